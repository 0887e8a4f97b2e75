/// Every key a protocol file accepts, per table, declared once (`KeySpec`): `ProtocolParser` reads
/// each key through its declaration, and docs/protocols.md's key tables are rendered from these
/// lists (`plasticity protocols --markdown`, `make doc-tables`). `KeyReferenceTests` checks that
/// each list is exactly what the parser accepts at that place.
public enum ProtocolKeys {
    /// One table of the file: where it is, its keys, and the name of its generated block in the docs.
    public struct Section: Sendable {
        public let table: String
        public let keys: [KeySpec]
        public var docName: String { "protocol-keys-" + table.filter { $0.isLetter || $0 == "-" } }
    }

    public static let sections: [Section] = [
        Section(table: "top level", keys: Top.all),
        Section(table: "[model]", keys: Model.all),
        Section(table: "[training]", keys: Training.all),
        Section(table: "[[conditions]]", keys: Condition.all),
        Section(table: "[criteria.<task>]", keys: CriterionKeys.all),
        Section(table: "[[contrasts]]", keys: Contrast.all),
        Section(table: "[sweep]", keys: Sweep.all),
        Section(table: "[ablation]", keys: AblationKeys.all),
        Section(table: "[perturbation]", keys: PerturbationKeys.all),
        Section(table: "[geometry]", keys: Geometry.all),
        Section(table: "[integration]", keys: Integration.all),
        Section(table: "[predictions]", keys: Predictions.all),
        Section(table: "[curriculum]", keys: Curriculum.all),
    ]

    /// A key whose value is a table (or tables) with keys of its own, documented in their own list.
    static func table(_ type: String) -> KeySpec.Value { .custom(type: type, range: "") }

    public enum Top {
        public static let name = KeySpec("name", .string, default: "file name without `.toml`", "protocol name, stored with every result; not empty")
        public static let description = KeySpec("description", .string, default: "`\"\"`", "free text")
        public static let rules = KeySpec(
            "rules", .strings([]), default: "**required**",
            "rule names, distinct: an implementation id or a rule file's name (`bptt`, `eprop-random`, `node-perturbation`; `plasticity rules`)")
        public static let tasks = KeySpec("tasks", .strings([]), default: "**required**", "task ids, distinct (`plasticity tasks`; their parameters below)")
        public static let seeds = KeySpec(
            "seeds", .custom(type: "integer, or array of integers", range: "1…10000, or distinct integers 0…4294967295"), default: "`1`",
            "`seeds = 5` means seeds 1…5; a list names them")
        public static let taskParameters = KeySpec(
            "task-parameters", table("table"), default: "`{}`",
            "numbers apply to every task; a sub-table `[task-parameters.<task>]` to that task only (each task's parameters, ranges and defaults: below)")
        public static let ruleSettings = KeySpec(
            "rule-settings", table("table of tables"), default: "`{}`",
            "`[rule-settings.<rule>]`: hyperparameters of one of the listed rules, numbers or a choice by its name (`feedback = \"symmetric\"`, `node-perturbation = { readout = \"delta\" }`; every rule's settings: below)")
        public static let modifiers = KeySpec(
            "modifiers", .custom(type: "array of inline tables", range: "kinds and settings: below"), default: "`[]`",
            "rule modifiers added to every cell on top of the rule file's, e.g. `[{ kind = \"tcr\", lambda = 0.3, schedule = \"constant\" }]`; at most one of each kind counting the rule file's; a condition's `modifiers` replaces the protocol's")
        public static let model = KeySpec("model", table("table"), default: "below", "the network (`[model]`)")
        public static let training = KeySpec("training", table("table"), default: "below", "budget, batch, criterion, optimiser (`[training]`)")
        public static let conditions = KeySpec("conditions", table("array of tables"), default: "one unnamed condition", "each one multiplies the cells (`[[conditions]]`)")
        public static let contrasts = KeySpec("contrasts", table("array of tables"), default: "none", "planned comparisons between two conditions (`[[contrasts]]`)")
        public static let criteria = KeySpec("criteria", table("table"), default: "`{}`", "a criterion per task over the `[training]` one (`[criteria.<task>]`)")
        public static let ablation = KeySpec("ablation", table("table"), default: "not run", "silence neurons of every trained network (`[ablation]`)")
        public static let perturbation = KeySpec("perturbation", table("table"), default: "not run", "perturb weights, state and tau of every trained network (`[perturbation]`)")
        public static let geometry = KeySpec("geometry", table("table"), default: "not run", "phase-space snapshots through training (`[geometry]`; leaky RNN only, not with `[curriculum]`)")
        public static let integration = KeySpec("integration", table("table"), default: "not run", "the trained map integrated as an ODE at several step sizes (`[integration]`, docs/continuous-time.md)")
        public static let predictions = KeySpec("predictions", table("table"), default: "not run", "the observables of `plasticity predict` (`[predictions]`, docs/predictions.md; not with `[curriculum]`)")
        public static let sweep = KeySpec("sweep", table("table"), default: "none", "per-rule optimiser settings selected on separate seeds (`[sweep]`)")
        public static let curriculum = KeySpec("curriculum", table("table"), default: "none", "train every cell through a curriculum of N (`[curriculum]`, docs/curricula.md)")

        public static let all = [
            name, description, rules, tasks, seeds, model, training, modifiers, taskParameters, curriculum, ruleSettings, conditions,
            contrasts, criteria, ablation, perturbation, geometry, integration, predictions, sweep,
        ]
    }

    public enum Model {
        static let defaults = ModelSpec()
        public static let kind = KeySpec.choice("kind", ModelKind.self, default: defaults.kind, "the network (docs/models-and-tasks.md)")
        public static let hidden = KeySpec("hidden", .integer(1...4096), default: "\(defaults.hidden)", "recurrent neurons N")
        public static let activation = KeySpec(
            "activation", .choice(Activation.allCases.map(\.rawValue)),
            default: "the task's recommended one (`plasticity tasks`), else `\(defaults.activation.rawValue)`", "the nonlinearity (leaky only)")
        public static let initialization = KeySpec.choice(
            "initialization", Initialization.self, default: defaults.initialization, "`gain`: W ~ N(0, g²/N); `uniform-fan-in`: PyTorch's default (leaky, plrnn)")
        public static let gain = KeySpec("gain", .number(0...100), default: formatNumber(defaults.gain), "recurrent gain g; g > 1 is chaotic (leaky, plrnn)")
        public static let tauMin = KeySpec("tau-min", .number(1...1e6), default: formatNumber(defaults.tauMin), "tau ~ U[tau-min, tau-max) (leaky)")
        public static let tauMax = KeySpec("tau-max", .number(1...1e6), default: formatNumber(defaults.tauMax), "≥ `tau-min` (leaky)")
        public static let trainTau = KeySpec("train-tau", .bool, default: "\(defaults.trainTau)", "learn tau (leaky)")
        public static let selfConnections = KeySpec("self-connections", .bool, default: "\(defaults.selfConnections)", "keep W's diagonal (leaky)")
        public static let initialStateScale = KeySpec(
            "initial-state-scale", .number(1e-12...10), default: "none (h_0 = 0)",
            "h_0 = scale·U(0, 1) drawn per trial for training, validation and test (the ICLR 2024 recipe: 0.1; leaky, gru, lstm)")

        public static let all = [kind, hidden, activation, initialization, gain, tauMin, tauMax, trainTau, selfConnections, initialStateScale]
    }

    public enum Training {
        static let defaults = TrainingConfig()
        public static let batch = KeySpec("batch", .integer(1...65_536), default: "\(defaults.batchSize)", "trials per update")
        public static let maxTrials = KeySpec("max-trials", .integer(1...1_000_000_000), default: "\(defaults.maxTrials)", "the budget; trials to criterion is censored here (trained in whole batches)")
        public static let evalEvery = KeySpec(
            "eval-every", .integer(1...1_000_000_000), default: "1% of `max-trials`, at most 256, at least one batch", "trials between evaluations (rounded up to whole batches)")
        public static let validationSize = KeySpec("validation-size", .integer(1...1_000_000), default: "\(defaults.validationSize)", "trials in the fixed held-out set")
        public static let curveSize = KeySpec(
            "curve-size", .integer(1...1_000_000), default: "\(defaults.curveSize)",
            "trials of the validation set (its leading batches) the learning curve is evaluated on; the criterion and the final loss/accuracy use the whole set (*Evaluation grid*)")
        public static let divergenceFactor = KeySpec(
            "divergence-factor", .number(1.000_001...1e300), default: "100", "a curve loss above this multiple of the initial loss is a divergence")
        public static let criterionMetric = KeySpec.choice(
            "criterion-metric", Criterion.Metric.self, default: defaults.criterion.metric, "`accuracy` (≥ threshold) or `loss` (≤ threshold)")
        public static let criterion = KeySpec("criterion", .number(-1e12...1e12), default: formatNumber(defaults.criterion.threshold), "the threshold")
        public static let stopAtCriterion = KeySpec(
            "stop-at-criterion", .bool, default: "\(defaults.stopAtCriterion)", "false: train the whole budget (ablation and perturbation after equal training)")
        public static let optimizer = KeySpec("optimizer", .choice(OptimizerKind.allCases.map(\.rawValue)), default: "the rule file's, else `adam`", "the optimiser")
        public static let learningRate = KeySpec("learning-rate", .number(1e-12...10), default: "the rule file's, else 0.001", "step size")
        public static let momentum = KeySpec("momentum", .number(0...0.9999), default: "the rule file's, else 0", "SGD only (refused with Adam)")
        public static let nesterov = KeySpec("nesterov", .bool, default: "false", "Nesterov momentum (SGD only)")
        public static let clip = KeySpec(
            "clip", .number(0...1e12), default: "the rule file's, else none", "clip the update's L2 norm; 0 = no clipping (over the rule file's)")

        public static let all = [
            batch, maxTrials, evalEvery, validationSize, curveSize, divergenceFactor, criterionMetric, criterion, stopAtCriterion, optimizer,
            learningRate, momentum, nesterov, clip,
        ]
    }

    public enum Condition {
        public static let label = KeySpec("label", .string, default: "**required**", "unique, not empty, e.g. `\"g=2.5\"`")
        public static let model = KeySpec("model", table("table"), default: "the protocol's", "`[model]` keys overriding the protocol's for this condition (`model = { gain = 2.5 }`)")
        public static let training = KeySpec("training", table("table"), default: "the protocol's", "`[training]` keys overriding the protocol's")
        public static let modifiers = KeySpec("modifiers", table("array of inline tables"), default: "the protocol's", "replaces the protocol's `modifiers`")
        public static let curriculum = KeySpec("curriculum", table("table"), default: "the protocol's", "`[curriculum]` keys overriding the protocol's")
        public static let rules = KeySpec("rules", .strings([]), default: "all", "the subset of the protocol's rules this condition runs")
        public static let tasks = KeySpec("tasks", .strings([]), default: "all", "the subset of the protocol's tasks this condition runs")
        public static let taskParameters = KeySpec("task-parameters", table("table"), default: "the protocol's", "task parameters merged over the protocol's")

        public static let all = [label, model, training, modifiers, curriculum, rules, tasks, taskParameters]
    }

    public enum CriterionKeys {
        public static let metric = KeySpec.choice("metric", Criterion.Metric.self, default: .accuracy, "`accuracy` (≥) or `loss` (≤); the key is a task of the protocol")
        public static let threshold = KeySpec("threshold", .number(-1e12...1e12), default: "0.95 for accuracy, 0.05 for loss", "the criterion")

        public static let all = [metric, threshold]
    }

    public enum Contrast {
        public static let label = KeySpec("label", .string, default: "**required**", "unique")
        public static let treatment = KeySpec("treatment", .string, default: "**required**", "a `[[conditions]]` label")
        public static let baseline = KeySpec("baseline", .string, default: "**required**", "another `[[conditions]]` label")

        public static let all = [label, treatment, baseline]
    }

    public enum Sweep {
        public static let learningRate = KeySpec("learning-rate", .numbers(1e-12...10), default: "", "learning rates to select from, distinct")
        public static let clip = KeySpec("clip", .numbers(0...1e12), default: "", "clip norms to select from, distinct; 0 = no clipping")
        public static let selectionSeeds = KeySpec(
            "selection-seeds", .custom(type: "integer, or array of integers", range: "1…1000, or distinct integers disjoint from `seeds`"), default: "3",
            "a count n = the n seeds after the largest evaluation seed, or a list")

        public static let all = [learningRate, clip, selectionSeeds]
    }

    public enum AblationKeys {
        static let defaults = Ablation()
        public static let steps = KeySpec("steps", .integer(1...1000), default: "", "fractions 0, 1/steps, …, 1 (instead of `fractions`)")
        public static let fractions = KeySpec("fractions", .numbers(0...1), default: "0, 0.1, …, 1", "fractions of neurons silenced")
        public static let orders = KeySpec("orders", .strings(AblationOrder.allCases.map(\.rawValue)), default: "`[\"random\"]`", "which neurons go first")
        public static let draws = KeySpec("draws", .integer(1...1000), default: "\(defaults.draws)", "random sets per fraction (`random` only)")
        public static let trials = KeySpec("trials", .integer(1...100_000), default: "\(defaults.trials)", "trials in the evaluation set")

        public static let all = [steps, fractions, orders, draws, trials]
    }

    public enum PerturbationKeys {
        static let defaults = Perturbation()
        static let levels = defaults.weights.map(formatNumber).joined(separator: ", ")
        public static let weights = KeySpec("weights", .numbers(0...100), default: levels, "noise levels on the weights; `[]` skips")
        public static let state = KeySpec("state", .numbers(0...100), default: levels, "noise levels on the state; `[]` skips")
        public static let tau = KeySpec("tau", .numbers(0...100), default: levels, "noise levels on tau; `[]` skips")
        public static let draws = KeySpec("draws", .integer(1...1000), default: "\(defaults.draws)", "draws per level")
        public static let trials = KeySpec("trials", .integer(1...100_000), default: "\(defaults.trials)", "trials in the evaluation set")

        public static let all = [weights, state, tau, draws, trials]
    }

    public enum Geometry {
        static let defaults = GeometryAnalysis()
        static let cycle = CycleOptions()
        public static let every = KeySpec("every", .integer(1...1_000_000), default: "\(defaults.every)", "a snapshot at every k-th evaluation (trial 0 and the final network always)")
        public static let starts = KeySpec("starts", .integer(1...10_000), default: "\(defaults.starts)", "initial states of the fixed-point search")
        public static let probeTrials = KeySpec("probe-trials", .integer(1...4096), default: "\(defaults.probeTrials)", "trials in the fixed probe batch (PCA, fixed-point starts)")
        public static let paths = KeySpec(
            "paths", .custom(type: "integer", range: "0…`probe-trials`"), default: "min(\(defaults.paths), `probe-trials`)", "probe trials kept for the fixed-point picture; at most `probe-trials`")
        public static let prJump = KeySpec(
            "pr-jump", .number(1e-9...1e6), default: formatNumber(defaults.detector.participationRatioJump), "relative participation-ratio change that counts as a GR event")
        public static let attractorChanges = KeySpec("attractor-changes", .bool, default: "\(defaults.detector.attractorChanges)", "a change in the number of stable fixed points counts")
        public static let stabilityChanges = KeySpec("stability-changes", .bool, default: "\(defaults.detector.stabilityChanges)", "a change in the number of unstable fixed points counts")
        public static let cycleChanges = KeySpec("cycle-changes", .bool, default: "\(defaults.detector.cycleChanges)", "a change in the number of stable cycles counts")
        public static let persistence = KeySpec("persistence", .integer(1...100), default: "\(defaults.detector.persistence)", "snapshots a change must last to be an event (1: every flip)")
        public static let leadWindow = KeySpec(
            "lead-window", .integer(1...10_000), default: "\(defaults.detector.leadWindow)", "snapshot intervals before the escape's in which an event \"leads\" (permutation test)")
        public static let headline = KeySpec(
            "headline", .strings(GRChange.allCases.map(\.rawValue)), default: "`[" + GRChange.headlineDefault.map { "\"\($0.rawValue)\"" }.joined(separator: ", ") + "]`",
            "the event kinds timed against the escape; not empty")
        public static let cycles = KeySpec("cycles", .bool, default: "true", "search each snapshot for periodic attractors from the fixed-point starts")
        public static let cycleTransient = KeySpec("cycle-transient", .integer(0...1_000_000), default: "\(cycle.transient)", "steps discarded before looking for a return")
        public static let cycleWindow = KeySpec("cycle-window", .integer(2...1_000_000), default: "\(cycle.window)", "steps searched; periods up to half of it")
        public static let cycleTolerance = KeySpec("cycle-tolerance", .number(1e-12...1e3), default: formatNumber(cycle.tolerance), "ε, RMS distance per neuron of a return")

        public static let all = [
            every, starts, probeTrials, paths, prJump, attractorChanges, stabilityChanges, cycleChanges, persistence, leadWindow, headline, cycles,
            cycleTransient, cycleWindow, cycleTolerance,
        ]
    }

    public enum Integration {
        static let defaults = IntegrationRobustness()
        public static let dt = KeySpec(
            "dt", .numbers(0...1), default: defaults.dt.map(formatNumber).joined(separator: ", "), "Euler step sizes (1/dt an integer); 0 = the adaptive solver")
        public static let method = KeySpec.choice("method", ODEStepper.self, default: defaults.method, "the adaptive stepper (GSL)")
        public static let trials = KeySpec("trials", .integer(1...100_000), default: "\(defaults.trials)", "trials in the evaluation set")
        public static let absoluteTolerance = KeySpec(
            "absolute-tolerance", .number(1e-14...0.1), default: formatNumber(defaults.absoluteTolerance), "the adaptive solver's absolute error per step")
        public static let relativeTolerance = KeySpec(
            "relative-tolerance", .number(1e-14...0.1), default: formatNumber(defaults.relativeTolerance), "the adaptive solver's relative error per step")

        public static let all = [dt, method, trials, absoluteTolerance, relativeTolerance]
    }

    public enum Predictions {
        static let defaults = PredictionMeasures()
        public static let probeTrials = KeySpec(
            "probe-trials", .integer(1...4096), default: "\(defaults.probeTrials)", "trials of the fixed probe batch the weight changes are regressed on")
        public static let streamSteps = KeySpec(
            "stream-steps", .integer(100...1_000_000), default: "\(defaults.streamSteps)", "kept steps of the Bernoulli stream that measures tau_net and dimensionality")
        public static let streamTrials = KeySpec("stream-trials", .integer(1...100), default: "\(defaults.streamTrials)", "trials of that stream")

        public static let all = [probeTrials, streamSteps, streamTrials]
    }

    public enum Curriculum {
        static let defaults = CurriculumConfig()
        public static let kind = KeySpec.choice("kind", CurriculumKind.self, default: defaults.kind, "how heads are added (docs/curricula.md)")
        public static let firstN = KeySpec("first-N", .integer(1...1000), default: "\(defaults.firstN)", "the N the curriculum starts from")
        public static let maxN = KeySpec("max-N", .integer(1...1000), default: "\(defaults.maxN)", "the largest N; the curriculum is complete when a stage with it passes")
        public static let window = KeySpec("window", .integer(1...1000), default: "\(defaults.window)", "`sliding`: heads in the window")
        public static let step = KeySpec("step", .integer(1...1000), default: "\(defaults.step)", "`sliding`: heads replaced per advance")
        public static let threshold = KeySpec(
            "threshold", .number(0...1), default: formatNumber(defaults.threshold), "a stage passes when the mean accuracy of its heads and of its largest-N head exceed this")
        public static let checkEvery = KeySpec("check-every", .integer(1...1_000_000_000), default: "\(defaults.checkEvery)", "trials between checks (whole batches)")
        public static let testSize = KeySpec("test-size", .integer(1...65_536), default: "\(defaults.testSize)", "fresh trials per check")
        public static let beyond = KeySpec("beyond", .integer(0...100), default: "\(defaults.beyond)", "N beyond the stage's largest the generalisation test covers")
        public static let timescaleSteps = KeySpec(
            "timescale-steps", .integer(0...10_000_000), default: "\(defaults.timescaleSteps)", "kept steps of the stream measuring tau, tau_net and dimension at every stage; 0 = off")
        public static let timescaleTrials = KeySpec("timescale-trials", .integer(0...1000), default: "\(defaults.timescaleTrials)", "trials of that stream; 0 = off")
        public static let timescaleSelection = KeySpec.choice(
            "timescale-selection", DecaySelection.self, default: defaults.timescaleSelection, "how the decay model is chosen (docs/timescales.md; `aic` is the paper's)")
        public static let robustnessNetwork = KeySpec.choice(
            "robustness-network", RobustnessNetwork.self, default: defaults.robustnessNetwork,
            "the network `[ablation]`, `[perturbation]` and `[integration]` run on: saved when its last stage passed (the paper's), or the final one")

        public static let all = [
            kind, firstN, maxN, window, step, threshold, checkEvery, testSize, beyond, timescaleSteps, timescaleTrials, timescaleSelection,
            robustnessNetwork,
        ]
    }
}
