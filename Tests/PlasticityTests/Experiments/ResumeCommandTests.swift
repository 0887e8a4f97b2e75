import XCTest
@testable import Plasticity

/// The "resume with:" line: the command as given (shell-quoted), with `--resume FILE` added or replaced for train.
final class ResumeCommandTests: XCTestCase {
    func testTheCommandAsGivenIsQuotedForTheShell() {
        XCTAssertEqual(
            ResumeCommand.line(["/usr/local/bin/plasticity", "run", "my protocol.toml", "--db", "it's.sqlite", ""]),
            "resume with: plasticity run 'my protocol.toml' --db 'it'\\''s.sqlite' ''")
    }

    func testResumeIsAddedOrReplaced() {
        let train = ["plasticity", "train", "--task", "n-parity", "--checkpoint", "run.ckpt"]
        XCTAssertEqual(
            ResumeCommand.line(train, setting: "--resume", to: "run.ckpt"),
            "resume with: plasticity train --task n-parity --checkpoint run.ckpt --resume run.ckpt")
        XCTAssertEqual(
            ResumeCommand.line(train + ["--resume", "old.ckpt", "--seed", "2"], setting: "--resume", to: "run.ckpt"),
            "resume with: plasticity train --task n-parity --checkpoint run.ckpt --seed 2 --resume run.ckpt")
        XCTAssertEqual(
            ResumeCommand.line(train + ["--resume=old.ckpt"], setting: "--resume", to: "run.ckpt"),
            "resume with: plasticity train --task n-parity --checkpoint run.ckpt --resume run.ckpt")
    }

    func testAStoppedTrainingRunSaysWhatWasKept() {
        XCTAssertEqual(
            TrainingStopped(trials: 640, checkpoint: nil).lines(resumeLine: nil),
            "stopped at trial 640: nothing was saved (--checkpoint FILE keeps a run's state to resume it)")
        XCTAssertEqual(
            TrainingStopped(trials: 640, checkpoint: "run.ckpt").lines(resumeLine: "resume with: plasticity train --resume run.ckpt"),
            "stopped at trial 640: the run's state is saved in run.ckpt\nresume with: plasticity train --resume run.ckpt")
    }
}
