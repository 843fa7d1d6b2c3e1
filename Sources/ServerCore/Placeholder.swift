// Placeholder: the ServerCore module is being written (see Docs/architecture.md).
