import Foundation
import XCTest

/// `plasticity rules`, `train --rule` and `grad --rule` through the real binary: listing, rule
/// files and the exit status 2 with one line for a bad rule file.
final class RulesCommandTests: XCTestCase {
    func testRulesListsImplementationsAndFiles() throws {
        let r = try CLI.run(["rules"])
        XCTAssertEqual(r.status, 0, r.stderr)
        for line in [
            "eprop (online): e-prop: eligibility traces × learning signal (feedback V^T or fixed random); trains tau (A) by its own trace",
            "node-perturbation (reward): node perturbation: noise on preactivations (and on the outputs unless the readout learns by the delta rule), correlated with each trial's loss change",
            "eprop-random (online, eprop): e-prop with fixed random feedback weights (random e-prop)",
            "  feedback = random; optimizer: adam, lr 0.01",
            "  from:  shipped",
        ] {
            XCTAssertTrue(r.stdout.components(separatedBy: "\n").contains(line), line)
        }
    }

    func testTrainAndGradAcceptRuleFilesAndRejectBadOnesWithStatus2() throws {
        let trained = try CLI.run([
            "train", "--task", "flipflop3", "--task-param", "T=10", "--hidden", "6", "--rule", "rules/eprop-random.toml",
            "--max-trials", "32", "--eval-every", "32",
        ])
        XCTAssertEqual(trained.status, 0, trained.stderr)
        XCTAssertTrue(trained.stdout.hasPrefix("task flipflop3, rule rules/eprop-random.toml, model leaky N=6, seed 1\n"), trained.stdout)
        let grad = try CLI.run(["grad", "--task", "flipflop3", "--task-param", "T=4", "--hidden", "3", "--batch", "2", "--rule", "rtrl"])
        XCTAssertEqual(grad.status, 0, grad.stderr)
        let json = try JSONSerialization.jsonObject(with: Data(grad.stdout.utf8)) as! [String: Any]
        XCTAssertEqual(json["implementation"] as? String, "rtrl")
        // The bad file in a directory of its own, named relatively: the snapshot holds no temporary path.
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bad-rule-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try "implementation = \"eprop\"\ndescription = \"d\"\ncitation = \"c\"\n[hyperparameters]\nfeedback = \"none\"\n"
            .write(to: directory.appendingPathComponent("bad.toml"), atomically: true, encoding: .utf8)
        try assertInputErrorSnapshot(["train", "--task", "flipflop3", "--rule", "bad.toml"], named: "error-rule-file", in: directory)
        try assertInputErrorSnapshot(["train", "--task", "flipflop3", "--rule", "eprop", "--rule-param", "feedback=x"], named: "error-rule-param")
    }

    /// `train --tcr-lambda/--tcr-schedule` attach TCR to a one-off run; `rules` lists the modifiers.
    func testTrainWithTCRAndTheModifierListing() throws {
        let trained = try CLI.run([
            "train", "--task", "flipflop3", "--task-param", "T=10", "--hidden", "6", "--tcr-lambda", "0.5",
            "--tcr-schedule", "plateau", "--max-trials", "64", "--eval-every", "32",
        ])
        XCTAssertEqual(trained.status, 0, trained.stderr)
        XCTAssertTrue(trained.stdout.contains("\nTCR: final lambda "), trained.stdout)
        let listing = try CLI.run(["rules"]).stdout.components(separatedBy: "\n")
        XCTAssertTrue(listing.contains { $0.hasPrefix("tcr: temporal consistency regularisation") })
        XCTAssertTrue(listing.contains { $0.hasPrefix("stp: fast weights within a trial") })
    }
}
