import Foundation

/// A deliberately simple upper estimate of the memory one training run needs, made before anything
/// is allocated (runs refuse sizes above `MemoryLimit`; SLURM jobs request it, docs/cluster.md).
/// Counted in doubles, for trial length T (the task's longest), batch B, N recurrent neurons,
/// I inputs, O outputs, P parameters and V validation trials:
///
/// - training trajectory: T·B·(4N + O) (states, preactivations, activations, the backward buffer; outputs)
///   plus the batch itself, T·B·(I + 2O) (inputs, targets, mask);
/// - validation: the set, V·T·(I + 2O), and its forward trajectory, V·T·(4N + O);
/// - parameters: 8P (parameters, update direction, optimiser moments, copies);
/// - RTRL: the sensitivity dh/dθ and W·(dh/dθ), 2·N·P_rec with P_rec = N² + N·I + 2N (RTRL.swift carries
///   them for one trial at a time, running the batch's trials one after another);
/// - e-prop and RFLO on the leaky RNN and the PLRNN: no per-synapse traces (`EligibilityTraces` sums them by
///   reverse accumulation), but the learning signal and its leak-discounted, gain-weighted copy for every step,
///   2·T·B·N, and one step's local derivatives and recursion state, (4 + G)·B·N with G diagonal groups;
/// - gated models (GRU, LSTM: S state components, K drives, P_d parameters before the readout): their wider
///   gate rows, up to T·B·11N more; RTRL's sensitivities (2S + K)·N·P_d and the steps' local derivatives
///   T·B·N·(K + S)·S; e-prop's traces B·S·P_d, its learning signal T·B·N and one step's local derivatives
///   (K + S)·S·B·N;
/// (the e-prop/RFLO terms are exactly what `EligibilityTraces` allocates, TCR's one-step signal B·N aside);
/// - short-term plasticity: fast weights per batch element, B·N².
public struct RunMemory: Sendable {
    /// One term of the estimate, with the keys that change it (for the refusal's line).
    public struct Part: Sendable {
        public var name: String
        public var bytes: Double
        public var keys: [String]
    }

    public var parts: [Part]

    /// The whole estimate in bytes (a Double: sizes beyond Int's range must still compare).
    public var bytes: Double { parts.reduce(0) { $0 + $1.bytes } }

    /// The estimate of `spec` trained with `rule` (nil: the spec's rule unresolved, counted as BPTT).
    /// Unknown tasks count as nothing (validation reports them). Nothing of the run's size is
    /// allocated: parameter counts are quadratic in N, so they come from networks of 1, 2 and 3 neurons.
    public init(spec: RunSpec, rule: RuleConfiguration?, tasks: TaskRegistry = .standard) {
        guard let task = try? tasks.make(spec.task, parameters: spec.taskParameters) else {
            self.init(parts: [])
            return
        }
        self.init(spec: spec, rule: rule, steps: task.maxSteps, inputs: task.inputSize, outputs: task.outputSize)
    }

    init(parts: [Part]) {
        self.parts = parts
    }

    /// The estimate for trials of at most `steps` steps with `inputs` inputs and `outputs` outputs
    /// (a curriculum's largest stage; the spec's task is not consulted).
    public init(spec: RunSpec, rule: RuleConfiguration?, steps: Int, inputs: Int, outputs: Int) {
        parts = []
        guard (try? spec.model.validate()) != nil else { return }
        let t = Double(steps), b = Double(spec.training.batchSize), v = Double(spec.training.validationSize)
        let n = Double(spec.model.hidden), i = Double(inputs), o = Double(outputs)
        let shapes = (1...3).map { hidden in
            var small = spec.model
            small.hidden = hidden
            return small.makeModel(inputSize: inputs, outputSize: outputs, rng: RandomSource(seed: 0, stream: "shape"))
        }
        /// The quadratic through f(1), f(2), f(3), at N (exact for counts quadratic in N).
        func atN(_ f: (any RecurrentModel) -> Double) -> Double {
            let f1 = f(shapes[0]), f2 = f(shapes[1]), f3 = f(shapes[2])
            return f1 * (n - 2) * (n - 3) / 2 - f2 * (n - 1) * (n - 3) + f3 * (n - 1) * (n - 2) / 2
        }
        let model = shapes[0]
        let p = atN { Double($0.layout.count) }
        let size = ["batch", "hidden", "the trial length (task-param)"]
        func add(_ name: String, _ doubles: Double, _ keys: [String]) { parts.append(Part(name: name, bytes: 8 * doubles, keys: keys)) }
        add("training trajectory", t * b * (4 * n + o) + t * b * (i + 2 * o), size)
        add("validation set", v * t * (i + 2 * o) + v * t * (4 * n + o), ["validation", "hidden", "the trial length (task-param)"])
        add("parameters and optimiser", 8 * p, ["hidden"])
        let recurrent = n * n + n * i + 2 * n
        if let gated = model as? any GatedSensitivityModel {
            // Gated models: S state components, K drives, all parameters before the readout (RTRL.runGated).
            let s = Double(gated.stateComponents), k = Double(gated.drives.count)
            let drive = atN { ($0 as? any GatedSensitivityModel).map { Double($0.driveParameterCount) } ?? 0 }
            add("gate rows", t * b * n * 11, size)  // up to 4N preactivations, 6N activations, 4N backward (N each above)
            switch rule?.implementation {
            case RTRL.id?:
                add("RTRL sensitivities", (2 * s + k) * n * drive, ["hidden", "rule"])
                add("RTRL local derivatives", t * b * n * (k + s) * s, size + ["rule"])
            case EProp.id?:
                add("eligibility traces", b * s * drive + t * b * n + (k + s) * s * b * n + s, size + ["rule"])
            default: break
            }
        } else {
            switch rule?.implementation {
            case RTRL.id?: add("RTRL sensitivities", 2 * n * recurrent, ["hidden", "rule"])
            case EProp.id?, RFLO.id?:
                let groups = Double((model as? any LocalRecurrentModel)?.drive.diagonal.count ?? 0)
                add("learning signals", 2 * t * b * n + (4 + groups) * b * n, size + ["rule"])
            default: break
            }
        }
        let modifiers = (rule?.modifiers ?? []) + spec.modifiers
        if modifiers.contains(where: { $0.kind == ShortTermPlasticity.id }) { add("short-term plasticity fast weights", b * n * n, ["batch", "hidden"]) }
    }

    /// The estimate rounded to whole bytes (saturating).
    public var wholeBytes: Int { bytes >= Double(Int.max) ? Int.max : Int(bytes) }

    /// Throws the one-line refusal when the estimate exceeds `limit` (nil: no limit known).
    /// `what` names the run ("train", "cell rule bptt, task ..."), `file` the protocol.
    public func check(limit: Int?, what: String, file: String? = nil) throws {
        guard let limit, bytes > Double(limit) else { return }
        throw InputError.invalid(refusal(limit: limit, what: what), file: file)
    }

    /// "needs an estimated 86 TB (training trajectory 86 TB) but the memory limit is 7.5 GB
    /// (--max-memory, default: the available memory); change: batch, hidden, ...".
    func refusal(limit: Int, what: String) -> String {
        let largest = parts.max { $0.bytes < $1.bytes }
        let part = largest.map { " (\($0.name) \(MemoryLimit.describe(saturating: $0.bytes)))" } ?? ""
        return "\(what) needs an estimated \(MemoryLimit.describe(saturating: bytes))\(part), above the memory limit of "
            + "\(MemoryLimit.describe(limit)) (--max-memory, default: the available memory); change: "
            + (largest?.keys ?? []).joined(separator: ", ")
    }
}

extension MemoryLimit {
    /// `describe` for an estimate that may be beyond Int's range.
    static func describe(saturating bytes: Double) -> String {
        describe(bytes >= Double(Int.max) ? Int.max : Int(bytes))
    }
}
