// The layers below this umbrella module, re-exported so `import Plasticity` (the CLI, the tests)
// sees their public API without naming them (docs/architecture.md, "Layers").
@_exported import PlasticityFoundation
@_exported import PlasticityModels
@_exported import PlasticityTasks
@_exported import PlasticityObjective
