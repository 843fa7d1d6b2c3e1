// Placeholder: the CompilerArgs module is being written (see Docs/architecture.md).
