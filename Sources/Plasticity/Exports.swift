// Every layer of the library, re-exported so `import Plasticity` (the CLI, the tests) sees their
// public API without naming them (docs/architecture.md, "Layers"). This target holds nothing else.
@_exported import PlasticityFoundation
@_exported import PlasticityModels
@_exported import PlasticityTasks
@_exported import PlasticityObjective
@_exported import PlasticityModifiers
@_exported import PlasticityShipped
@_exported import PlasticityRules
@_exported import PlasticityTraining
@_exported import PlasticityAnalysis
@_exported import PlasticityProtocols
@_exported import PlasticityStoring
@_exported import PlasticityReporting
@_exported import PlasticityRunning
