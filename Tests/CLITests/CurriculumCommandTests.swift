import XCTest

/// `train --curriculum`: the thin CLI path to `CurriculumRun` (logic tested in CurriculumTests).
final class CurriculumCommandTests: XCTestCase {
    func testTrainWithACurriculumPrintsTrialsPerNAndJSON() throws {
        let arguments = [
            "train", "--task", "n-dms", "--curriculum", "multi-head", "--max-n", "4", "--hidden", "8", "--max-trials", "512",
            "--check-every", "128", "--pass-threshold", "0.6", "--lr", "0.01",
        ]
        let text = try CLI.run(arguments)
        XCTAssertEqual(text.status, 0, text.stderr)
        XCTAssertTrue(text.stdout.hasPrefix("multi-head curriculum on n-dms, rule bptt, model leaky (hidden 8), seed 1\n"), text.stdout)
        XCTAssertTrue(text.stdout.contains("trials per N: N=2 "), text.stdout)
        let json = try CLI.run(arguments + ["--json"])
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        XCTAssertEqual(((object?["run"] as? [String: Any])?["curriculum"] as? [String: Any])?["kind"] as? String, "multi-head")
    }

    func testACurriculumOnAnotherTaskIsOneLineAndStatus2() throws {
        let r = try CLI.run(["train", "--task", "flipflop3", "--curriculum", "sliding"])
        XCTAssertEqual(r.status, 2)
        XCTAssertEqual(r.stdout, "")
        XCTAssertEqual(r.stderr, "error: task: a curriculum needs a memory task, not 'flipflop3'; valid: n-parity, n-dms\n")
    }
}
