// The layer below, re-exported so every file here and every client sees it without naming it
// (docs/architecture.md, "Layers").
@_exported import PlasticityFoundation
