import Foundation

/// SIGINT and SIGTERM during a long command, one implementation for `run`, `compare` and `train`.
/// The first of the `graceful` signals asks the work to stop at its next safe point (`requested`:
/// a protocol run takes no new cells and lets the cells in flight finish, each stored in its own
/// transaction; a training run stops at the next step boundary and writes its checkpoint); a second
/// signal, or one not in `graceful` (for protocol runs SIGTERM, what a cluster's scheduler sends
/// before it kills), calls `abandon`, which exits at once. The process exits with 128 + the signal
/// that stopped it (130 for SIGINT, 143 for SIGTERM).
public final class Interruption: @unchecked Sendable {  // every member is guarded by `lock`
    private let lock = NSLock()
    private var received: Int32?
    private var installed = false
    /// Called (once, on the reader thread) to abandon the work: must not return (it exits).
    private var abandon: ((Int32) -> Void)?
    private let graceful: Set<Int32>
    private let notice: String

    /// `graceful`: the signals whose first arrival asks to stop at the next safe point, announced by
    /// `notice` on stderr. The default is a protocol run's.
    public init(
        graceful: Set<Int32> = [SIGINT],
        notice: String = "interrupted: finishing the cells in flight (they are stored); press Ctrl-C again to stop at once"
    ) {
        self.graceful = graceful
        self.notice = notice
    }

    /// A training run's: SIGINT and SIGTERM both stop at the next step boundary (and write the
    /// checkpoint when there is one); a second signal exits at once.
    public static func training(checkpointing: Bool) -> Interruption {
        Interruption(
            graceful: [SIGINT, SIGTERM],
            notice: "interrupted: stopping at the next step" + (checkpointing ? " and saving the checkpoint" : "") + "; press Ctrl-C again to stop at once")
    }

    /// The signal that asked to stop, if any.
    public var requested: Int32? { lock.withLock { received } }

    /// Starts handling SIGINT and SIGTERM. `abandon(signal)` must not return (it exits).
    /// The handler only writes the signal's number to a pipe (all a handler may safely do); a
    /// thread reads it and acts.
    public func install(abandon: @escaping (Int32) -> Void) {
        lock.withLock {
            self.abandon = abandon
            installed = true
        }
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { return }  // no handlers: the signals keep their default action
        signalPipe = fds[1]
        let reader = fds[0]
        let thread = Thread { [weak self] in
            var byte: UInt8 = 0
            while read(reader, &byte, 1) == 1 {
                guard let self else { return }
                self.receive(Int32(byte))
            }
        }
        thread.start()
        for number in [SIGINT, SIGTERM] {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { number in
                var byte = UInt8(truncatingIfNeeded: number)
                _ = write(signalPipe, &byte, 1)
            }
            sigemptyset(&action.sa_mask)
            action.sa_flags = SA_RESTART
            sigaction(number, &action, nil)
        }
    }

    /// A protocol run's handling (`run`, `compare`): abandoning waits until no write to `store` is in
    /// progress (the file holds whole cells only), runs `cleanup`, prints `stopped` and `resume`
    /// (each a line, nil: none) and exits with 128 + the signal.
    public func install(abandoning store: ResultsStore, stopped: String, resume: String?, cleanup: (() -> Void)? = nil) {
        install { signal in
            store.afterWrites {
                cleanup?()
                FileHandle.standardError.write(Data(("\n" + stopped + "\n" + (resume.map { $0 + "\n" } ?? "")).utf8))
                // _exit, not exit: the workers are still running their cells, and exit's teardown
                // (atexit handlers, static destructors of the C libraries) under them can crash.
                // Every write has committed (afterWrites); stderr is unbuffered.
                _exit(Interruption.status(signal))
            }
        }
    }

    /// A training run's handling (`train`): abandoning (a second signal) prints where the last
    /// checkpoint written is, with `resume` (the line that continues from it), or that nothing was
    /// saved, and exits with 128 + the signal. A checkpoint is written atomically: the file is whole either way.
    public func install(abandoningTrainingWith checkpoint: String?, resume: String?) {
        install { signal in
            let kept = checkpoint.flatMap { FileManager.default.fileExists(atPath: $0) ? $0 : nil }
            let line = kept.map { "stopped at once: the last checkpoint written is in \($0)\n" + (resume ?? "") } ?? "stopped at once: nothing was saved"
            FileHandle.standardError.write(Data("\n\(line)\n".utf8))
            _exit(Interruption.status(signal))
        }
    }

    /// Restores the default handlers (the work is over).
    public func uninstall() {
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
        lock.withLock { installed = false }
    }

    func receive(_ number: Int32) {
        let (first, handler, active): (Bool, ((Int32) -> Void)?, Bool) = lock.withLock {
            let first = received == nil
            if first && installed { received = number }
            return (first, abandon, installed)
        }
        guard active else { return }
        if first && graceful.contains(number) {
            FileHandle.standardError.write(Data("\n\(notice)\n".utf8))
            return
        }
        handler?(number)
    }

    /// The exit status for `signal`: 128 + its number.
    public static func status(_ signal: Int32) -> Int32 { 128 + signal }
}

/// The write end of the pipe the signal handler writes to (set once, before the handler is installed).
nonisolated(unsafe) private var signalPipe: Int32 = -1
