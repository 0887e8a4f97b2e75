// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Plasticity",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "Plasticity", targets: ["Plasticity"]),
        .executable(name: "plasticity", targets: ["plasticity"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
    ],
    targets: [
        // System libraries. Only `Dense` may import COpenBLAS: GSL's gsl_cblas.h and
        // OpenBLAS's cblas.h declare the same enums, and one Swift module cannot see both.
        // CGSL has no pkgConfig on purpose: `pkg-config gsl` adds -lgslcblas, which could shadow OpenBLAS.
        .systemLibrary(name: "CGSL", providers: [.apt(["libgsl-dev"])]),
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .target(name: "Dense", dependencies: ["COpenBLAS", "CPUGuard", "PackedGemm"]),
        // The layers of the library, lowest first; each depends only on the ones above it in this
        // list, so the compiler enforces the one-way dependencies (docs/architecture.md, "Layers").
        // Each re-exports the layers it depends on (its Exports.swift), so its files see every lower
        // layer without naming it; the umbrella `Plasticity` at the end re-exports them all.
        // Foundation: input errors, strict TOML reading, parameter specs, number formatting, atomic files.
        .target(name: "PlasticityFoundation", dependencies: [.product(name: "TOMLKit", package: "TOMLKit")]),
        // Models: the numerics (tensors, random streams, statistics, GSL's eigensolver and ODE
        // integrator) and the recurrent models with the ODE they define.
        .target(name: "PlasticityModels", dependencies: ["PlasticityFoundation", "Dense", "CGSL"]),
        // Tasks: the task suite, its batches (inputs, targets, masks, loss kind) and registry.
        .target(name: "PlasticityTasks", dependencies: ["PlasticityFoundation", "PlasticityModels"]),
        // Objective: what rules optimise and how a network is judged (loss, TCR term, evaluation,
        // the training forward pass), shared by the modifiers, rules and training above it.
        .target(name: "PlasticityObjective", dependencies: ["PlasticityFoundation", "PlasticityModels", "PlasticityTasks"]),
        // Modifiers: TCR (modifier, schedule, collapse detector), short-term plasticity, the TOML modifier list.
        .target(name: "PlasticityModifiers", dependencies: [
            "PlasticityObjective", "Dense", .product(name: "TOMLKit", package: "TOMLKit"),
        ]),
        // Shipped: the rules/*.toml and protocols/*.toml texts compiled in (generated; a leaf).
        .target(name: "PlasticityShipped"),
        // Rules: every learning rule, the rule files, library and registry, the optimiser.
        .target(name: "PlasticityRules", dependencies: [
            "PlasticityModifiers", "PlasticityShipped", "Dense", .product(name: "TOMLKit", package: "TOMLKit"),
        ]),
        // Training: the trainer, run specs, validation sets, trivial baselines, the benchmark.
        .target(name: "PlasticityTraining", dependencies: ["PlasticityRules", "Dense"]),
        // Analysis: run records and learning metrics, ablation, perturbation, fixed points (GSL's
        // minimiser), cycles, geometry.
        .target(name: "PlasticityAnalysis", dependencies: ["PlasticityTraining", "Dense", "CGSL"]),
        // Experiments, in four layers: what a protocol is (cells, sweeps, the parser, the shipped
        // library), the results file, the reports, and running (runner, shards, SLURM, compare).
        .target(name: "PlasticityProtocols", dependencies: ["PlasticityAnalysis", "PlasticityShipped"]),
        .target(name: "PlasticityStoring", dependencies: [
            "PlasticityProtocols", .product(name: "GRDB", package: "GRDB.swift"),
        ]),
        .target(name: "PlasticityReporting", dependencies: ["PlasticityStoring"]),
        .target(name: "PlasticityRunning", dependencies: ["PlasticityReporting", "Dense"]),
        // The umbrella: re-exports every layer (Exports.swift), so `import Plasticity` sees all of it.
        .target(name: "Plasticity", dependencies: [
            "PlasticityFoundation", "PlasticityModels", "PlasticityTasks", "PlasticityObjective",
            "PlasticityModifiers", "PlasticityShipped", "PlasticityRules", "PlasticityTraining",
            "PlasticityAnalysis", "PlasticityProtocols", "PlasticityStoring", "PlasticityReporting",
            "PlasticityRunning",
        ]),
        // Refuses, with one line, to run a binary built for AVX2/FMA on a CPU without them (Makefile, CPU_FLAGS).
        .target(name: "CPUGuard"),
        // Per-step products with the recurrent weights packed once per pass (OpenBLAS's numbers; Dense checks).
        .target(name: "PackedGemm"),
        .executableTarget(
            name: "plasticity",
            dependencies: [
                "Plasticity", "CPUGuard",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Tests import Plasticity; a test of a lower layer's internals adds `@testable import` of that layer.
        .testTarget(name: "PlasticityTests", dependencies: [
            "Plasticity", "PlasticityModels", "PlasticityModifiers", "PlasticityTraining", "PlasticityAnalysis", "PlasticityStoring", "Dense",
        ]),
        .testTarget(name: "CLITests", dependencies: ["plasticity", "CPUGuard"], exclude: ["Snapshots"]),
    ]
)
