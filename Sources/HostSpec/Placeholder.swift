// Placeholder: the HostSpec module is being written (see Docs/architecture.md).
