import Foundation

/// SIGINT and SIGTERM during a protocol run. The first SIGINT stops taking new cells and lets the
/// cells in flight finish (each is stored in its own transaction); a second SIGINT, or a SIGTERM
/// (what a cluster's scheduler sends before it kills), abandons the cells in flight at once, after
/// any write in progress has committed. Either way the results file holds only whole cells, a line
/// says how to resume, and the process exits with 128 + the signal (130 for SIGINT, 143 for SIGTERM).
public final class Interruption: @unchecked Sendable {  // every member is guarded by `lock`
    private let lock = NSLock()
    private var received: Int32?
    private var installed = false
    /// Called (once, on the reader thread) to abandon the run: waits for the store, prints, exits.
    private var abandon: ((Int32) -> Void)?

    public init() {}

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

    /// Restores the default handlers (the run is over).
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
        if first && number == SIGINT {
            FileHandle.standardError.write(Data("\ninterrupted: finishing the cells in flight (they are stored); press Ctrl-C again to stop at once\n".utf8))
            return
        }
        handler?(number)
    }

    /// The exit status for `signal`: 128 + its number.
    public static func status(_ signal: Int32) -> Int32 { 128 + signal }
}

/// The write end of the pipe the signal handler writes to (set once, before the handler is installed).
nonisolated(unsafe) private var signalPipe: Int32 = -1
