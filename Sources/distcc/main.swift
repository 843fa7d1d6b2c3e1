// distcc: placeholder until the client lands.
print("distcc (swift-distcc): not built yet")
