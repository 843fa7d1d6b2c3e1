// Placeholder: the ClientCore module is being written (see Docs/architecture.md).
