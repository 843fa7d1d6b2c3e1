// Placeholder: the DistPosix module is being written (see Docs/architecture.md).
