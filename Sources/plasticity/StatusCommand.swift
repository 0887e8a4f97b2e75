import ArgumentParser
import Plasticity

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "List the done, diverged and missing cells of a results file's protocols.")

    @Argument(help: "Results file.")
    var db: String

    @Argument(help: "Only this protocol (default: every protocol in the file).")
    var protocolName: String?

    @Flag(help: "Also list the done cells.")
    var all = false

    @Flag(help: "End with a digest of every stored result except timings (equal files: equal results).")
    var fingerprint = false

    func run() throws {
        let store = try ResultsStore.open(existing: db)
        let status = try ResultsStatus.status(of: store, protocol: protocolName)
        print(status.isEmpty ? "\(db): no protocols stored" : status.map { $0.text(listDone: all) }.joined(separator: "\n"))
        if fingerprint { print("fingerprint: " + (try store.fingerprintDigest())) }
    }
}
