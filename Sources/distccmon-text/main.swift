// distccmon-text: placeholder until the monitor lands.
print("distccmon-text (swift-distcc): not built yet")
