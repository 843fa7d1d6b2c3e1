// distccmon-web: placeholder until the monitor lands.
print("distccmon-web (swift-distcc): not built yet")
