// Placeholder: the SSHTransport module is being written (see Docs/architecture.md).
