// The layers below, re-exported so every file here and every client sees them without naming them
// (docs/architecture.md, "Layers").
@_exported import PlasticityObjective
