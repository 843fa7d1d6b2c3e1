// Placeholder: the DistProtocol module is being written (see Docs/architecture.md).
