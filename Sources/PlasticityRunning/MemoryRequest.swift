import Foundation

/// The memory of protocol cells: each cell's `RunMemory` (plus its analyses), the refusal of cells
/// above the limit before any runs, and the `--mem` of a SLURM job (docs/cluster.md), which adds a
/// fixed allowance for the process (runtime, OpenBLAS buffers, SQLite) and a margin.
public enum MemoryEstimate {
    /// Resident memory of a `plasticity run` process apart from its cells (measured 37 MB; generous for
    /// OpenBLAS buffers and SQLite caches).
    public static let processBytes = 128 << 20
    /// Margin on the total: the estimate leaves out allocator slack and the analyses' small buffers.
    public static let margin = 1.5

    /// Bytes one cell needs (`RunMemory`). Unknown tasks or rules count as zero
    /// (a protocol is validated before anything runs).
    public static func bytes(of cell: ExperimentCell, tasks: TaskRegistry = .standard) -> Int {
        RunMemory(spec: cell.spec, rule: cell.resolvedRule, tasks: tasks).wholeBytes
    }

    /// Refuses, in one line naming the protocol, the cell and the keys to change, the first cell
    /// above `limit`, or `workers` cells at once above it (the largest ones). Called for every cell
    /// of a protocol before any runs.
    public static func check(_ cells: [ExperimentCell], workers: Int, limit: Int?, file: String, tasks: TaskRegistry = .standard) throws {
        guard let limit else { return }
        var sizes: [Double] = []
        var checked: [String: Double] = [:]
        for cell in cells {
            var probe = cell.spec
            probe.seed = 0  // seeds differ only in the seed: one estimate each
            let signature = ExperimentCell(protocolName: "", condition: cell.condition, spec: probe, analyses: AnalysisPlan(), resolvedRule: cell.resolvedRule).configJSON
            if let known = checked[signature] {
                sizes.append(known)
                continue
            }
            let memory = RunMemory(spec: cell.spec, rule: cell.resolvedRule, tasks: tasks)
            try memory.check(limit: limit, what: "cell \(cell.label)", file: file)
            checked[signature] = memory.bytes
            sizes.append(memory.bytes)
        }
        let together = sizes.sorted(by: >).prefix(max(1, min(workers, cells.count))).reduce(0, +)
        if workers > 1, together > Double(limit) {
            throw InputError.invalid(
                "\(min(workers, cells.count)) cells at once need an estimated \(MemoryLimit.describe(Int(min(together, 9e18)))), above the memory limit of "
                    + "\(MemoryLimit.describe(limit)) (--max-memory, default: the available memory); change: --workers", file: file)
        }
    }

    /// The memory request for a process running `workers` cells at once out of `cells`: the process
    /// allowance plus the largest cells, times the margin, in whole MiB (at least 256).
    public static func requestMiB(cells: [ExperimentCell], workers: Int, tasks: TaskRegistry = .standard) -> Int {
        let largest = cells.map { bytes(of: $0, tasks: tasks) }.sorted(by: >).prefix(max(workers, 1)).reduce(0, +)
        let total = Double(processBytes + largest) * margin
        return max(256, Int((total / Double(1 << 20)).rounded(.up)))
    }
}
