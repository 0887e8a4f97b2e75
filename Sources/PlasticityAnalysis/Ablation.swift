import Foundation

/// Which neurons go first when silencing a growing fraction of the network.
public enum AblationOrder: String, Codable, CaseIterable, Sendable {
    /// A uniformly random set, drawn afresh for every draw.
    case random
    /// Longest time constant tau first (the slow units that hold memory); models without tau skip it.
    case tau
    /// Largest outgoing weight norm first: sqrt(sum_i W_ij² + sum_k V_kj²) for neuron j (summed
    /// over every recurrent matrix W* of a gated model).
    case weight
}

/// Ablation analysis: accuracy as a fraction of neurons is silenced (`NeuronSilencing`).
public struct Ablation: Codable, Equatable, Sendable {
    /// Fractions of neurons silenced, each in 0...1; round(fraction × N) neurons.
    public var fractions: [Double] = stride(from: 0, through: 10, by: 1).map { Double($0) / 10 }
    public var orders: [AblationOrder] = [.random]
    /// Random draws per fraction for `.random` (the ordered kinds are deterministic: one draw).
    public var draws = 5
    /// Size of the fixed evaluation set (trials).
    public var trials = 256

    public init() {}

    public func validate(file: String? = nil) throws {
        if fractions.isEmpty { throw InputError.invalid("needs at least one fraction; valid: numbers in 0...1", file: file, key: "ablation.fractions") }
        for f in fractions where !(f >= 0 && f <= 1) {
            throw InputError.outOfRange("fractions", f, range: "0...1", file: file, key: "ablation.fractions")
        }
        if draws < 1 || draws > 1000 { throw InputError.outOfRange("draws", Double(draws), range: "1...1000", file: file, key: "ablation.draws") }
        if trials < 1 || trials > 100_000 { throw InputError.outOfRange("trials", Double(trials), range: "1...100000", file: file, key: "ablation.trials") }
    }

    /// Neuron indices in the order `order` silences them; nil when the model lacks what it needs.
    public static func ranking(_ order: AblationOrder, model: any RecurrentModel, rng: RandomSource) -> [Int]? {
        let n = model.hiddenSize
        switch order {
        case .random:
            return rng.permutation(n)
        case .tau:
            guard model.layout[optional: "tau"] != nil else { return nil }
            let tau = model.group("tau")
            return (0..<n).sorted { tau[$0] != tau[$1] ? tau[$0] > tau[$1] : $0 < $1 }
        case .weight:
            var norm = [Double](repeating: 0, count: n)
            // Every recurrent matrix (one per gate in the GRU and LSTM), then the readout, in layout order.
            for g in model.layout.groups where NeuronSilencing.isRecurrentMatrix(g, hidden: n) || (g.name == "V" && g.cols == n) {
                for r in 0..<g.rows { for j in 0..<n { let w = model.parameters[g.offset + r * n + j]; norm[j] += w * w } }
            }
            return (0..<n).sorted { norm[$0] != norm[$1] ? norm[$0] > norm[$1] : $0 < $1 }
        }
    }

    /// One curve per order (kind "ablation-<order>"); draws come from `rng` (the run's analysis
    /// stream): children "evaluation" for the evaluation set and "ablation-<order>" per order.
    /// `evaluation`: a set shared with other analyses (`AnalysisPlan.run(sharedEvaluation:)`) instead of its own.
    public func run(model: any RecurrentModel, task: any Task, rng: RandomSource, evaluation shared: [Batch]? = nil) -> [RobustnessCurve] {
        let evaluation = shared ?? Trainer.validationSet(task: task, size: trials, batchSize: min(trials, 128), rng: rng.child("evaluation"))
        let n = model.hiddenSize
        var curves: [RobustnessCurve] = []
        // Accuracy by silenced set (sorted): silencing zeroes weights, so the damaged network depends on
        // the set only. Fraction 0 (no neuron) and 1 (every neuron) give the same set in every order and
        // draw, and tau and weight orders can agree: each set is evaluated once (issue 16: protocols
        // spend their time training). Exact: the same evaluation, reused.
        var evaluated: [[Int]: Double] = [:]
        // One trajectory per network size for every evaluation: allocating and zeroing it each time cost
        // a fifth of the analysis.
        var workspaces: [Int: Trajectory] = [:]
        // The leaky RNN's damaged networks run without their silenced neurons (`compacted`): the same
        // outputs for about half the work. Only from h_0 = 0, where a silenced neuron stays at rest.
        let fromRest = evaluation.allSatisfy { $0.initialState == nil }
        for order in orders {
            let stream = rng.child("ablation-\(order.rawValue)")
            let repeats = order == .random ? draws : 1
            var sums = [Double](repeating: 0, count: fractions.count)
            var skipped = false
            for _ in 0..<repeats {
                guard let ranking = Ablation.ranking(order, model: model, rng: stream) else { skipped = true; break }
                for (i, fraction) in fractions.enumerated() {
                    let silenced = Array(ranking.prefix(Int((fraction * Double(n)).rounded())))
                    let key = silenced.sorted()
                    if let accuracy = evaluated[key] {
                        sums[i] += accuracy
                        continue
                    }
                    var damaged = model
                    if fromRest, let small = NeuronSilencing.compacted(model, removing: silenced) {
                        damaged = small
                    } else {
                        NeuronSilencing.silence(silenced, in: &damaged)
                    }
                    var workspace = workspaces[damaged.hiddenSize]
                    let accuracy = Evaluation.run(model: damaged, task: task, batches: evaluation, forward: nil, until: nil, workspace: &workspace)!.accuracy
                    workspaces[damaged.hiddenSize] = workspace
                    evaluated[key] = accuracy
                    sums[i] += accuracy
                }
            }
            if skipped { continue }
            curves.append(RobustnessCurve(kind: "ablation-\(order.rawValue)", levels: fractions, accuracy: sums.map { $0 / Double(repeats) }))
        }
        return curves
    }
}
