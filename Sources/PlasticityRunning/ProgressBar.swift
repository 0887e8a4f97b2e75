import Foundation

/// A one-line progress bar with ETA on stderr, drawn only when stderr is a terminal and at most
/// ten times a second, so logs and pipes stay clean.
public final class ProgressBar: @unchecked Sendable {
    let label: String
    let enabled: Bool
    let start = Date()
    var lastDraw = Date.distantPast
    let lock = NSLock()

    public init(label: String, enabled: Bool = isatty(2) == 1) {
        self.label = label
        self.enabled = enabled
    }

    public static func line(label: String, done: Int, total: Int, elapsed: Double, width: Int = 30) -> String {
        let fraction = total > 0 ? min(1, Double(done) / Double(total)) : 1
        let filled = Int((fraction * Double(width)).rounded(.down))
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        let eta = fraction > 0 ? elapsed * (1 - fraction) / fraction : .nan
        return "\(label) [\(bar)] \(done)/\(total) \(Int(fraction * 100))% elapsed \(duration(elapsed)) eta \(duration(eta))"
    }

    static func duration(_ s: Double) -> String {
        guard s.isFinite else { return "--:--" }
        let total = Int(s.rounded())
        return total >= 3600
            ? String(format: "%d:%02d:%02d", total / 3600, (total / 60) % 60, total % 60)
            : String(format: "%02d:%02d", total / 60, total % 60)
    }

    public func update(done: Int, total: Int) {
        guard enabled else { return }
        lock.lock()
        defer { lock.unlock() }
        let now = Date()
        guard done >= total || now.timeIntervalSince(lastDraw) > 0.1 else { return }
        lastDraw = now
        let text = "\r" + ProgressBar.line(label: label, done: done, total: total, elapsed: now.timeIntervalSince(start)) + "\u{1B}[K"
        FileHandle.standardError.write(Data(text.utf8))
    }

    public func finish() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\n".utf8))
    }
}
