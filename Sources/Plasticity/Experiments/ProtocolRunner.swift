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
    /// `progress(doneTrials, totalTrials)` reports the overall progress across workers.
    public static func run(
        _ experiment: ExperimentProtocol, store: ResultsStore, workers: Int, shard: (index: Int, count: Int)? = nil,
        tasks: TaskRegistry = .standard, rules: RuleRegistry = .standard,
        progress: (@Sendable (Int, Int) -> Void)? = nil
    ) throws -> Summary {
        let start = Date()
        try validate(workers: workers, shard: shard)
        try experiment.validate(tasks: tasks, rules: rules)
        let cells = shard.map { experiment.cells(shard: $0.index, of: $0.count) } ?? experiment.cells
        let pending = try store.pending(cells)
        try store.register(experiment)
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
                        guard shared.failure == nil, shared.next < pending.count else { return nil }
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
        return Summary(
            cells: cells.count, skipped: cells.count - pending.count, completed: shared.completed,
            diverged: shared.diverged, wallSeconds: Date().timeIntervalSince(start))
    }
}

extension ProtocolRunner.Summary {
    /// The line `plasticity run` prints when it is done.
    public func text(protocolName: String, db: String) -> String {
        "\(protocolName): \(cells) cells, \(skipped) already stored, \(completed) run now (\(diverged) diverged) in "
            + String(format: "%.1f s", wallSeconds) + "; results in \(db)"
    }
}
