import Foundation

/// A deliberately simple upper estimate of the memory one protocol cell needs, for the `--mem` of a
/// SLURM job (docs/cluster.md). Counted in doubles, for trial length T (the task's longest), batch
/// B, N recurrent neurons, I inputs, O outputs, P parameters and V validation trials:
///
/// - training trajectory: T·B·(4N + O) (states, preactivations, activations, the backward buffer; outputs)
///   plus the batch itself, T·B·(I + 2O) (inputs, targets, mask);
/// - validation: the set, V·T·(I + 2O), and its forward trajectory, V·T·(4N + O);
/// - parameters: 8P (parameters, update direction, optimiser moments, copies);
/// - RTRL: the sensitivity dh/dθ and W·(dh/dθ), 2·N·P_rec with P_rec = N² + N·I + 2N (RTRL.swift carries
///   them for one trial at a time, running the batch's trials one after another);
/// - e-prop and RFLO: eligibility traces per batch element, B·(N² + N·I + 2N);
/// - gated models (GRU, LSTM: S state components, K drives, P_d parameters before the readout): their wider
///   gate rows, up to T·B·11N more; RTRL's sensitivities (2S + K)·N·P_d and the steps' local derivatives
///   T·B·N·(K + S)·S; e-prop's traces B·S·P_d;
/// - short-term plasticity: fast weights per batch element, B·N².
///
/// The job adds a fixed allowance for the process (runtime, OpenBLAS buffers, SQLite) and a margin.
public enum MemoryEstimate {
    /// Resident memory of a `plasticity run` process apart from its cells (measured 37 MB; generous for
    /// OpenBLAS buffers and SQLite caches).
    public static let processBytes = 128 << 20
    /// Margin on the total: the estimate leaves out allocator slack and the analyses' small buffers.
    public static let margin = 1.5

    /// Bytes one cell needs (see the type's documentation). Unknown tasks or rules count as zero
    /// (a protocol is validated before anything runs).
    public static func bytes(of cell: ExperimentCell, tasks: TaskRegistry = .standard) -> Int {
        guard let task = try? tasks.make(cell.spec.task, parameters: cell.spec.taskParameters) else { return 0 }
        let t = Double(task.maxSteps), b = Double(cell.spec.training.batchSize), v = Double(cell.spec.training.validationSize)
        let n = Double(cell.spec.model.hidden), i = Double(task.inputSize), o = Double(task.outputSize)
        let model = cell.spec.model.makeModel(inputSize: task.inputSize, outputSize: task.outputSize, rng: RandomSource(seed: 0, stream: "shape"))
        let p = Double(model.layout.count)
        var doubles = t * b * (4 * n + o) + t * b * (i + 2 * o)
        doubles += v * t * (i + 2 * o) + v * t * (4 * n + o)
        doubles += 8 * p
        let recurrent = n * n + n * i + 2 * n
        if let gated = model as? any GatedSensitivityModel {
            // Gated models: S state components, K drives, all parameters before the readout (RTRL.runGated).
            let s = Double(gated.stateComponents), k = Double(gated.drives.count), drive = Double(gated.driveParameterCount)
            doubles += t * b * n * 11  // the gate rows: up to 4N preactivations, 6N activations, 4N backward (N each above)
            switch cell.resolvedRule?.implementation {
            case RTRL.id?:
                let sensitivities: Double = (2 * s + k) * n * drive
                let derivatives: Double = t * b * n * (k + s) * s
                doubles += sensitivities + derivatives
            case EProp.id?: doubles += b * s * drive
            default: break
            }
        } else {
            switch cell.resolvedRule?.implementation {
            case RTRL.id?: doubles += 2 * n * recurrent
            case EProp.id?, RFLO.id?: doubles += b * recurrent
            default: break
            }
        }
        let modifiers = (cell.resolvedRule?.modifiers ?? []) + cell.spec.modifiers
        if modifiers.contains(where: { $0.kind == ShortTermPlasticity.id }) { doubles += b * n * n }
        return Int(doubles * 8)
    }

    /// The memory request for a process running `workers` cells at once out of `cells`: the process
    /// allowance plus the largest cells, times the margin, in whole MiB (at least 256).
    public static func requestMiB(cells: [ExperimentCell], workers: Int, tasks: TaskRegistry = .standard) -> Int {
        let largest = cells.map { bytes(of: $0, tasks: tasks) }.sorted(by: >).prefix(max(workers, 1)).reduce(0, +)
        let total = Double(processBytes + largest) * margin
        return max(256, Int((total / Double(1 << 20)).rounded(.up)))
    }
}
