extension Server {
  /// Serves as ``run(listeners:)`` does, on a thread of its own, while the calling task suspends: a Swift
  /// program's cooperative threads are never blocked. Returns once ``shutdown(gracePeriod:)`` was called
  /// (from any task or thread) or `--lifetime` ran out; cancelling the task is a graceful shutdown.
  ///
  /// ```swift
  /// var configuration = ServerConfiguration()
  /// configuration.listenAddress = "127.0.0.1"
  /// configuration.port = 0                        // any free port
  /// let server = Server(configuration: configuration, logger: ServerLogger(destination: .none))
  /// let listeners = try server.bindListeners()
  /// print("serving on port", listeners.compilePort!)
  /// let serving = Task { try await server.serve(listeners: listeners) }
  /// // … compile through 127.0.0.1:PORT …
  /// server.shutdown()
  /// try await serving.value
  /// ```
  /// - Throws: ``ServerError`` as ``run(listeners:)`` does.
  public func serve(listeners: ListeningSockets? = nil) async throws(ServerError) {
    let outcome = await withTaskCancellationHandler {
      await withCheckedContinuation {
        (continuation: CheckedContinuation<Result<Void, ServerError>, Never>) in
        let started = startThread {
          continuation.resume(
            returning: Result { () throws(ServerError) in try self.run(listeners: listeners) })
        }
        if !started {
          continuation.resume(
            returning: .failure(.acceptFailed(reason: "cannot start the server's thread")))
        }
      }
    } onCancel: {
      shutdown()
    }
    try outcome.get()
  }
}
