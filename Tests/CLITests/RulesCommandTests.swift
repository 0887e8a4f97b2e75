import Foundation
import XCTest

/// `plasticity rules`, `train --rule` and `grad --rule` through the real binary: listing, rule
/// files and the exit status 2 with one line for a bad rule file.
final class RulesCommandTests: XCTestCase {
    private static let packageDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    private func plasticity(_ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
        let process = Process()
        process.executableURL = Bundle.main.bundleURL.appendingPathComponent("plasticity")
        process.arguments = arguments
        process.currentDirectoryURL = RulesCommandTests.packageDirectory
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
    }

    func testRulesListsImplementationsAndFiles() throws {
        let r = try plasticity(["rules"])
        XCTAssertEqual(r.status, 0, r.err)
        for line in [
            "eprop (online): e-prop: eligibility traces × learning signal (feedback V^T or fixed random); trains tau (A) by its own trace",
            "  models: leaky, plrnn",
            "node-perturbation (reward): node perturbation: noise on preactivations and outputs, correlated with each trial's loss change",
            "eprop-random (online, eprop): e-prop with fixed random feedback weights (random e-prop)",
            "  feedback = random; optimizer: adam, lr 0.01",
            "  from:  shipped",
        ] {
            XCTAssertTrue(r.out.components(separatedBy: "\n").contains(line), line)
        }
    }

    func testTrainAndGradAcceptRuleFilesAndRejectBadOnesWithStatus2() throws {
        let trained = try plasticity([
            "train", "--task", "flipflop3", "--task-param", "T=10", "--hidden", "6", "--rule", "rules/eprop-random.toml",
            "--max-trials", "32", "--eval-every", "32",
        ])
        XCTAssertEqual(trained.status, 0, trained.err)
        XCTAssertTrue(trained.out.hasPrefix("task flipflop3, rule rules/eprop-random.toml, model leaky N=6, seed 1\n"), trained.out)
        let grad = try plasticity(["grad", "--task", "flipflop3", "--task-param", "T=4", "--hidden", "3", "--batch", "2", "--rule", "rtrl"])
        XCTAssertEqual(grad.status, 0, grad.err)
        let json = try JSONSerialization.jsonObject(with: Data(grad.out.utf8)) as! [String: Any]
        XCTAssertEqual(json["implementation"] as? String, "rtrl")
        let bad = NSTemporaryDirectory() + "bad-rule-\(UUID().uuidString).toml"
        try "implementation = \"eprop\"\ndescription = \"d\"\ncitation = \"c\"\n[hyperparameters]\nfeedback = \"none\"\n"
            .write(toFile: bad, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: bad) }
        let failed = try plasticity(["train", "--task", "flipflop3", "--rule", bad])
        XCTAssertEqual(failed.status, 2)
        XCTAssertEqual(failed.err, "error: \(bad): hyperparameters.feedback: unknown choice 'none'; valid: symmetric, random\n")
        let unknown = try plasticity(["train", "--task", "flipflop3", "--rule", "eprop", "--rule-param", "feedback=x"])
        XCTAssertEqual(unknown.status, 2)
        XCTAssertEqual(unknown.err, "error: --rule-param feedback: unknown choice 'x'; valid: symmetric, random\n")
    }

    /// `train --tcr-lambda/--tcr-schedule` attach TCR to a one-off run; `rules` lists the modifiers.
    func testTrainWithTCRAndTheModifierListing() throws {
        let trained = try plasticity([
            "train", "--task", "flipflop3", "--task-param", "T=10", "--hidden", "6", "--tcr-lambda", "0.5",
            "--tcr-schedule", "plateau", "--max-trials", "64", "--eval-every", "32",
        ])
        XCTAssertEqual(trained.status, 0, trained.err)
        XCTAssertTrue(trained.out.contains("\nTCR: final lambda "), trained.out)
        let bad = try plasticity(["train", "--task", "flipflop3", "--tcr-schedule", "warm"])
        XCTAssertEqual(bad.status, 2)
        XCTAssertEqual(bad.err, "error: --tcr: unknown schedule 'warm'; valid: constant, freeze-in, plateau\n")
        let listing = try plasticity(["rules"]).out.components(separatedBy: "\n")
        XCTAssertTrue(listing.contains { $0.hasPrefix("tcr: temporal consistency regularisation") })
        XCTAssertTrue(listing.contains { $0.hasPrefix("stp: fast weights within a trial") })
    }
}
