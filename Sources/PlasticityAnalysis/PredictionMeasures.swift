import Foundation

/// The `[predictions]` analysis (docs/predictions.md): the per-run observables of `plasticity
/// predict` that the other analyses do not already store. It hooks into training like geometry
/// (the synaptic-change signature needs the weights and activity through learning, and
/// "dimensionality before learning" the untrained network), then measures the trained network's
/// timescales and dimensionality on the Bernoulli stream (`StreamMeasurement`).
public struct PredictionMeasures: Codable, Equatable, Sendable {
    /// Trials of the fixed probe batch whose activity the weight changes are regressed on.
    public var probeTrials = 16
    /// Kept steps and trials of the stream that measures tau_net and dimensionality.
    public var streamSteps = 2_000
    public var streamTrials = 4

    public init() {}

    public func validate(file: String? = nil) throws {
        for (key, value, range) in [("probe-trials", probeTrials, 1...4096), ("stream-steps", streamSteps, 100...1_000_000), ("stream-trials", streamTrials, 1...100)]
        where !range.contains(value) {
            throw InputError.outOfRange(key, Double(value), range: "\(range.lowerBound)...\(range.upperBound)", file: file, key: "predictions.\(key)")
        }
    }

    var streamOptions: StreamMeasureOptions {
        var o = StreamMeasureOptions()
        o.steps = streamSteps
        o.trials = streamTrials
        o.discard = 200
        o.segment = min(o.segment, streamSteps)
        return o
    }

    /// A recorder for one run; its probe batch and stream come from the seed's own streams, so adding
    /// this analysis changes no other result.
    public func recorder(task: any Task, seed: UInt64) -> PredictionRecorder {
        let rng = RandomSource(seed: seed, stream: "analysis/predictions")
        return PredictionRecorder(options: streamOptions, synaptic: SynapticChangeRecorder(task: task, trials: probeTrials, rng: rng.child("probe")), seed: seed)
    }
}

/// One run's recorder: the stream measures of the network at the first evaluation (before any
/// update) and the synaptic recorder at every evaluation; `finish` measures the trained network.
public final class PredictionRecorder: @unchecked Sendable {  // used from one training thread
    let options: StreamMeasureOptions
    let synaptic: SynapticChangeRecorder
    let seed: UInt64
    var before: StreamMeasures?
    var started = false
    /// Time spent measuring inside training (counted as analysis time).
    public private(set) var seconds = 0.0

    init(options: StreamMeasureOptions, synaptic: SynapticChangeRecorder, seed: UInt64) {
        self.options = options
        self.synaptic = synaptic
        self.seed = seed
    }

    public func checkpoint(model: any RecurrentModel) {
        let start = Date()
        defer { seconds += Date().timeIntervalSince(start) }
        if !started {
            started = true
            before = try? StreamMeasurement.measure(model, options: options, seed: seed)
        }
        synaptic.checkpoint(model: model)
    }

    /// The run's observables by name (docs/predictions.md); a measure that cannot be taken is left out.
    public func finish(model: any RecurrentModel) -> [String: Double] {
        let start = Date()
        defer { seconds += Date().timeIntervalSince(start) }
        var values: [String: Double] = [:]
        if let b = before {
            values["dimension-before"] = b.medianDimension
            values["participation-before"] = b.medianParticipationRatio
        }
        if let after = try? StreamMeasurement.measure(model, options: options, seed: seed) {
            values["dimension-after"] = after.medianDimension
            values["participation-after"] = after.medianParticipationRatio
            let tauNet = after.finiteTauNet
            values["tau-net-median"] = Statistics.median(tauNet)
            values["tau-net-iqr"] = Statistics.quantile(tauNet, 0.75) - Statistics.quantile(tauNet, 0.25)
            if let tau = after.intrinsicTau?.filter(\.isFinite), !tau.isEmpty {
                values["tau-median"] = Statistics.median(tau)
                values["tau-net-over-tau"] = Statistics.median(tauNet) / Statistics.median(tau)
            }
        }
        if let signature = synaptic.finish() {
            for (name, value) in signature.values { values[name] = value }
        }
        return values.filter { $0.value.isFinite }
    }
}
