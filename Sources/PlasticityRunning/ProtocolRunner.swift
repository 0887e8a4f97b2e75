import Dense
import Foundation

/// Runs the cells of a protocol on `workers` threads and stores each finished cell in its own
/// transaction. Resumable: cells already in the store are skipped. Deterministic: a cell's results
/// depend only on its own seed-derived streams and OpenBLAS runs single-threaded (a multi-threaded
/// gemm may sum in a different order), so any number of workers gives bit-identical results.
public enum ProtocolRunner {
    public struct Summary: Equatable, Sendable {
        /// Cells in the protocol (or in the shard).
        public var cells: Int
        /// Already stored before this run.
        public var skipped: Int
        /// Run and stored now.
        public var completed: Int
        /// Of those, diverged (NaN/Inf), stored with their trial.
        public var diverged: Int
        public var wallSeconds: Double
        /// A `[sweep]`'s selection cells are not all stored yet (a shard ran its part of them), so
        /// the evaluation cells did not run.
        public var selectionIncomplete = false
        /// A signal stopped the run before every pending cell ran (`Interruption`).
        public var interrupted: Int32?

        public init(cells: Int, skipped: Int, completed: Int, diverged: Int, wallSeconds: Double) {
            self.cells = cells
            self.skipped = skipped
            self.completed = completed
            self.diverged = diverged
            self.wallSeconds = wallSeconds
        }
    }

    /// Shared between the worker threads; every member is guarded by `lock`.
    final class Shared: @unchecked Sendable {
        let lock = NSLock()
        var next = 0
        var failure: Error?
        var completed = 0
        var diverged = 0
        var finishedTrials = 0
        var inFlight: [Int]

        init(workers: Int) { inFlight = [Int](repeating: 0, count: workers) }

        func locked<T>(_ body: () -> T) -> T {
            lock.lock()
            defer { lock.unlock() }
            return body()
        }
    }

    /// Checks the options before anything is opened or written.
    public static func validate(workers: Int, shard: (index: Int, count: Int)?) throws {
        guard (1...256).contains(workers) else { throw InputError.outOfRange("workers", Double(workers), range: "1...256", key: "--workers") }
        if let shard, !(shard.count >= 1 && shard.index >= 0 && shard.index < shard.count) {
            throw InputError.invalid("shard \(shard.index)/\(shard.count) out of range; valid: i/n with 0 <= i < n", key: "--cells")
        }
    }

    /// Runs every pending cell of `experiment` (or of one shard: `shard = (index, count)`).
    /// With a `[sweep]`, the selection cells run first; the evaluation cells then run with each
    /// rule's selected setting once every selection cell is in the store (a shard that lacks some
    /// stops after its selection cells: merge the shards' files, then run again).
    /// `progress(doneTrials, totalTrials)` reports the overall progress across workers.
    public static func run(
        _ experiment: ExperimentProtocol, store: ResultsStore, workers: Int, shard: (index: Int, count: Int)? = nil,
        tasks: TaskRegistry = .standard, rules: RuleRegistry = .standard, memoryLimit: Int? = MemoryLimit.available(),
        interruption: Interruption? = nil, progress: (@Sendable (Int, Int) -> Void)? = nil
    ) throws -> Summary {
        let start = Date()
        try validate(workers: workers, shard: shard)
        try experiment.validate(tasks: tasks, rules: rules, memoryLimit: memoryLimit)
        // Every cell, and the largest `workers` of them at once, before any runs.
        try MemoryEstimate.check(
            experiment.selectionCells + experiment.cells, workers: workers, limit: memoryLimit, file: "protocol \(experiment.name)", tasks: tasks)
        func sharded(_ cells: [ExperimentCell]) -> [ExperimentCell] {
            guard let shard else { return cells }
            return cells.enumerated().filter { $0.offset % shard.count == shard.index }.map(\.element)
        }
        var summary = Summary(cells: 0, skipped: 0, completed: 0, diverged: 0, wallSeconds: 0)
        /// Runs the pending ones of `cells` after registering `definition`, and counts them in.
        func phase(_ cells: [ExperimentCell], registering definition: ExperimentProtocol) throws {
            let pending = try store.pending(cells)
            try store.register(definition)
            let done = try execute(pending, store: store, workers: workers, tasks: tasks, rules: rules, interruption: interruption, progress: progress)
            summary.cells += cells.count
            summary.skipped += cells.count - pending.count
            summary.completed += done.completed
            summary.diverged += done.diverged
            summary.interrupted = interruption?.requested
        }
        var choices: [String: SweepPlan.Setting] = [:]
        if let selection = experiment.selectionProtocol {
            try phase(sharded(experiment.selectionCells), registering: selection)
            if summary.interrupted != nil {
                summary.wallSeconds = Date().timeIntervalSince(start)
                return summary
            }
            guard let made = try SweepChoice.make(for: experiment, runs: store.runs(protocol: experiment.selectionName)) else {
                summary.selectionIncomplete = true
                try store.register(experiment)
                summary.wallSeconds = Date().timeIntervalSince(start)
                return summary
            }
            for c in made { choices[SweepChoice.key(task: c.task, condition: c.condition, rule: c.rule)] = c.chosen }
        }
        try phase(sharded(experiment.cells(choices: choices)), registering: experiment)
        summary.wallSeconds = Date().timeIntervalSince(start)
        return summary
    }

    /// Runs `pending` on `workers` threads, storing each finished cell; returns (completed, diverged).
    static func execute(
        _ pending: [ExperimentCell], store: ResultsStore, workers: Int, tasks: TaskRegistry, rules: RuleRegistry,
        interruption: Interruption? = nil, progress: (@Sendable (Int, Int) -> Void)?
    ) throws -> (completed: Int, diverged: Int) {
        BLAS.setThreads(1)
        let totalTrials = pending.reduce(0) { $0 + $1.spec.training.maxTrials }
        let threads = min(workers, pending.count)
        let shared = Shared(workers: max(threads, 1))
        let group = DispatchGroup()
        for worker in 0..<threads {
            group.enter()
            let thread = Thread {
                defer { group.leave() }
                while true {
                    let index: Int? = shared.locked {
                        guard shared.failure == nil, shared.next < pending.count, interruption?.requested == nil else { return nil }
                        shared.next += 1
                        return shared.next - 1
                    }
                    guard let index else { return }
                    let cell = pending[index]
                    do {
                        let result = try cell.run(tasks: tasks, rules: rules) { trials, _ in
                            let done = shared.locked {
                                shared.inFlight[worker] = trials
                                return shared.finishedTrials + shared.inFlight.reduce(0, +)
                            }
                            progress?(done, totalTrials)
                        }
                        try store.save(result)
                        let done = shared.locked {
                            shared.completed += 1
                            if result.record.status == .diverged { shared.diverged += 1 }
                            shared.inFlight[worker] = 0
                            shared.finishedTrials += cell.spec.training.maxTrials  // a cell that stopped early counts whole
                            return shared.finishedTrials + shared.inFlight.reduce(0, +)
                        }
                        progress?(done, totalTrials)
                    } catch {
                        shared.locked { if shared.failure == nil { shared.failure = error } }
                        return
                    }
                }
            }
            thread.stackSize = 16 << 20
            thread.start()
        }
        group.wait()
        if let failure = shared.failure { throw failure }
        return (shared.completed, shared.diverged)
    }
}

extension ProtocolRunner.Summary {
    /// The line `plasticity run` prints when it is done.
    public func text(protocolName: String, db: String) -> String {
        (interrupted != nil ? "interrupted: " : "") + "\(protocolName): \(cells) cells, \(skipped) already stored, \(completed) run now (\(diverged) diverged) in "
            + String(format: "%.1f s", wallSeconds) + "; results in \(db)"
            + (selectionIncomplete ? "; the settings selection is not complete in this file (merge the shards' files and run again to run the evaluation seeds)" : "")
    }
}
