// Placeholder: the DistMonitor module is being written (see Docs/architecture.md).
