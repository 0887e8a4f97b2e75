import Foundation

/// One finished run as the predictions see it: where it was trained (task and model), by what
/// (the rule with its modifiers, e.g. "bptt+stp"), and its observables (`PredictionCatalog`).
public struct PredictionRun: Sendable {
    public var setting: String
    public var label: String
    public var seed: UInt64
    public var values: [String: Double]
    public var robustness: [RobustnessCurve]
    /// The setting without its load ("n-parity, leaky RNN"): runs at several loads scale together.
    public var family: String
    /// The memory load the run was trained at (`loadName`'s value), when the protocol trains its
    /// task and model at several (`LoadScalingPredictions`).
    public var load: Double?
    public var loadName: String?
    /// The run reached its criterion (false: trained the whole budget without learning the task).
    public var reached: Bool
    /// Observables whose value is a bound, not a measurement: "trials-to-criterion" when the
    /// criterion was not reached, "plateau" when the plateau lasted to the end of the run.
    public var censored: Set<String>

    public init(setting: String, label: String, seed: UInt64, values: [String: Double], robustness: [RobustnessCurve] = [],
                family: String? = nil, load: Double? = nil, loadName: String? = nil, reached: Bool = true, censored: Set<String> = []) {
        self.setting = setting
        self.label = label
        self.seed = seed
        self.values = values
        self.robustness = robustness
        self.family = family ?? setting
        self.load = load
        self.loadName = loadName
        self.reached = reached
        self.censored = censored
    }

    /// "flipflop3, leaky RNN": the task and the model (what an experimenter knows about the animal).
    public static func setting(task: String, model: ModelKind) -> String {
        let names: [ModelKind: String] = [.leaky: "leaky RNN", .plrnn: "PLRNN", .gru: "GRU", .lstm: "LSTM"]
        return "\(task), \(names[model] ?? model.rawValue)"
    }

    /// "bptt", or "bptt+stp" with the condition's modifiers: what the classifier must name.
    public static func label(rule: String, modifiers: [ModifierConfig]) -> String {
        ([rule] + modifiers.map(\.kind)).joined(separator: "+")
    }

    /// The runs of `protocol` in `store` (diverged runs are counted, not used: they have no trained
    /// network to measure), with settings and labels in the protocol's order (tasks, conditions, rules).
    public static func load(store: ResultsStore, experiment: ExperimentProtocol) throws -> (runs: [PredictionRun], diverged: Int, order: (settings: [String], labels: [String])) {
        var settings: [String] = [], labels: [String] = []
        let cells = experiment.cells
        var parameters: [String: [[String: Double]]] = [:]
        for cell in cells { parameters[setting(task: cell.spec.task, model: cell.spec.model.kind), default: []].append(cell.spec.taskParameters) }
        var byKey: [String: (setting: String, label: String, family: String, load: Double?, loadName: String?)] = [:]
        for cell in cells {
            let family = setting(task: cell.spec.task, model: cell.spec.model.kind)
            let name = loadParameter(parameters[family] ?? [])
            let load = name.flatMap { cell.spec.taskParameters[$0] }
            let s = load.map { setting(task: "\(cell.spec.task) \(name!)=\(PredictionsReport.number($0, $0 == $0.rounded() ? 0 : 2))", model: cell.spec.model.kind) } ?? family
            let l = label(rule: cell.spec.rule, modifiers: cell.spec.modifiers)
            if !settings.contains(s) { settings.append(s) }
            if !labels.contains(l) { labels.append(l) }
            byKey[cell.key] = (s, l, family, load, load == nil ? nil : name)
        }
        let measures = try store.predictionMeasures()
        var runs: [PredictionRun] = [], diverged = 0
        for stored in try store.runs(protocol: experiment.name) {
            guard let cell = byKey[stored.key] else { continue }  // a cell of an earlier definition
            if stored.record.status == .diverged { diverged += 1; continue }
            let m = stored.record.metrics
            runs.append(PredictionRun(
                setting: cell.setting, label: cell.label, seed: stored.record.seed,
                values: PredictionCatalog.values(record: stored.record, measures: measures[stored.id] ?? [:]),
                robustness: stored.record.robustness, family: cell.family, load: cell.load, loadName: cell.loadName,
                reached: !m.censored,
                censored: Set((m.censored ? ["trials-to-criterion"] : []) + (m.plateauCensored ? ["plateau"] : []))))
        }
        return (runs, diverged, (settings, labels))
    }

    /// The memory load of one task and model: the single task parameter whose value differs between
    /// its cells (n-parity's N in a protocol that trains N = 2, 3, 4); nil when none or several do.
    public static func loadParameter(_ cells: [[String: Double]]) -> String? {
        let names = Set(cells.flatMap(\.keys)).sorted()
        let varying = names.filter { n in Set(cells.map { $0[n].map { "\($0)" } ?? "-" }).count > 1 }
        return varying.count == 1 ? varying[0] : nil
    }
}

/// The predictions of one setting (task × model): per observable and rule the median across seeds
/// with its order-statistic interval; per observable and pair of rules the effect sizes and the
/// permutation p; and how well a classifier names the rule from the observables.
public struct SettingPredictions: Sendable {
    public struct Pair: Sendable {
        public var observable: String
        public var a: String
        public var b: String
        public var effect: EffectSize
    }

    public var setting: String
    /// Rules (labels) with at least one run here, in protocol order.
    public var labels: [String]
    public var runs: [PredictionRun]
    /// Observables with a value in at least one run, in catalogue order.
    public var observables: [PredictionObservable]
    /// summaries[observable][label]
    public var summaries: [String: [String: SeedSummary]]
    public var pairs: [Pair]
    /// Logistic regression and nearest centroid (nil with fewer than two rules or too few runs).
    public var classifiers: [CrossValidation]
    public var ranking: ExperimentRanking?

    /// Rules with fewer than half their runs at criterion here: their observables describe a
    /// network that did not learn the task, not a trained one.
    public var notLearned: [String] {
        labels.filter { l in
            let mine = runs.filter { $0.label == l }
            return 2 * mine.filter(\.reached).count < mine.count
        }
    }

    public init(setting: String, labels order: [String], runs: [PredictionRun], folds: Int = 5, permutations: Int = 2_000, seed: UInt64 = 1) {
        self.setting = setting
        self.runs = runs
        labels = order.filter { l in runs.contains { $0.label == l } }
        observables = PredictionCatalog.observables.filter { o in runs.contains { $0.values[o.name] != nil } }
        var summaries: [String: [String: SeedSummary]] = [:]
        func values(_ o: String, _ l: String) -> [Double] { runs.filter { $0.label == l }.map { $0.values[o] ?? .nan } }
        for o in observables {
            for l in labels { summaries[o.name, default: [:]][l] = SeedSummary(values(o.name, l)) }
        }
        self.summaries = summaries
        let rng = RandomSource(seed: seed, stream: "predictions/" + setting)
        var pairs: [Pair] = []
        for o in observables {
            for i in labels.indices {
                for j in labels.indices where j > i {
                    let effect = EffectSize(values(o.name, labels[i]), values(o.name, labels[j]), permutations: permutations, exactLimit: 20_000,
                                            rng: rng.child("\(o.name)/\(labels[i])/\(labels[j])"))
                    pairs.append(Pair(observable: o.name, a: labels[i], b: labels[j], effect: effect))
                }
            }
        }
        self.pairs = pairs
        let data = SettingPredictions.labelled(runs: runs, labels: labels, observables: observables)
        let smallest = labels.map { l in runs.filter { $0.label == l }.count }.min() ?? 0
        if labels.count >= 2, smallest >= 2, !data.features.isEmpty {
            let k = min(folds, smallest)
            classifiers = ClassifierKind.allCases.map { CrossValidation(data, kind: $0, folds: k, rng: rng.child("folds")) }
            let groups = PredictionCatalog.groups.map { g in (name: g, features: data.features.indices.filter { i in observables.first { $0.name == data.features[i] }?.group == g }) }
            ranking = ExperimentRanking(data, groups: groups, kind: .logistic, folds: k, rng: rng.child("folds"))
        } else {
            classifiers = []
            ranking = nil
        }
    }

    /// The runs as classifier input: one column per observable that at least half the runs have
    /// (an observable only some rules produce would name the rule by its absence).
    static func labelled(runs: [PredictionRun], labels: [String], observables: [PredictionObservable]) -> LabelledObservables {
        let usable = observables.filter { o in 2 * runs.filter { $0.values[o.name] != nil }.count >= runs.count && !runs.isEmpty }
        let kept = runs.filter { labels.contains($0.label) }
        return LabelledObservables(
            classes: labels, features: usable.map(\.name),
            rows: kept.map { r in usable.map { r.values[$0.name] ?? .nan } },
            labels: kept.map { r in labels.firstIndex(of: r.label)! })
    }

    /// The pair of rules an observable separates best (largest |Cliff's delta|, then |d|).
    public func bestPair(_ observable: String) -> Pair? {
        pairs.filter { $0.observable == observable && $0.effect.cliffsDelta.isFinite }.max { x, y in
            (abs(x.effect.cliffsDelta), abs(x.effect.cohensD.isFinite ? x.effect.cohensD : 0)) < (abs(y.effect.cliffsDelta), abs(y.effect.cohensD.isFinite ? y.effect.cohensD : 0))
        }
    }
}

/// Every setting of a protocol's predictions.
public struct PredictionTable: Sendable {
    public var protocolName: String
    public var settings: [SettingPredictions]
    /// The learning curve's scaling with memory load, per task and model trained at several loads.
    public var scaling: [LoadScalingPredictions]
    public var diverged: Int

    public init(protocolName: String, runs: [PredictionRun], settings order: [String], labels: [String], diverged: Int = 0,
                folds: Int = 5, permutations: Int = 2_000, seed: UInt64 = 1) {
        self.protocolName = protocolName
        self.diverged = diverged
        settings = order.compactMap { s in
            let here = runs.filter { $0.setting == s }
            return here.isEmpty ? nil : SettingPredictions(setting: s, labels: labels, runs: here, folds: folds, permutations: permutations, seed: seed)
        }
        scaling = LoadScalingPredictions.all(runs: runs, labels: labels, permutations: permutations, seed: seed)
    }

    /// The table of a protocol's stored runs.
    public static func make(store: ResultsStore, experiment: ExperimentProtocol) throws -> PredictionTable {
        let loaded = try PredictionRun.load(store: store, experiment: experiment)
        return PredictionTable(protocolName: experiment.name, runs: loaded.runs, settings: loaded.order.settings, labels: loaded.order.labels, diverged: loaded.diverged)
    }
}
