// distccd: placeholder until the daemon lands.
print("distccd (swift-distcc): not built yet")
