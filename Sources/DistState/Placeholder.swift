// Placeholder: the DistState module is being written (see Docs/architecture.md).
