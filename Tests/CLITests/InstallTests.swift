import Foundation
import XCTest

/// `make install-files` (what `make install` runs after building) into a temporary prefix, then the
/// installed binary used from an unrelated directory: shipped rules and protocols are found there
/// and mean what they mean in the repository. Also sweep, merge and status through the binary.
final class InstallTests: XCTestCase {
    static let packageDirectory = CLI.packageDirectory

    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("install-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("elsewhere"), withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    /// Runs in `cwd` with `CLI.cleanEnvironment` (no PLASTICITY_RULES_DIR of the user's) unless `environment` is given.
    @discardableResult
    func run(_ executable: String, _ arguments: [String], in cwd: URL, environment: [String: String]? = nil) throws -> (status: Int32, out: String, err: String) {
        let r = try CLI.run(arguments, in: cwd, executable: URL(fileURLWithPath: executable), environment: environment)
        return (r.status, r.stdout, r.stderr)
    }

    func testInstallIntoAFreshPrefixAndTrainFromAnotherDirectoryWithTheShippedRules() throws {
        let prefix = directory.appendingPathComponent("prefix").path
        let built = CLI.binary.path
        let make = "/usr/bin/make"
        let installed = try run(make, ["-s", "install-files", "PREFIX=\(prefix)", "BIN=\(built)"], in: InstallTests.packageDirectory)
        XCTAssertEqual(installed.status, 0, installed.err)
        let binary = prefix + "/bin/plasticity"
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: binary))
        for (file, marker) in [
            ("share/bash-completion/completions/plasticity", "-F _plasticity plasticity"), ("share/zsh/site-functions/_plasticity", "#compdef plasticity"),
            ("share/fish/vendor_completions.d/plasticity.fish", "complete -c 'plasticity'"), ("share/doc/plasticity/README.md", "# Plasticity"),
            ("share/doc/plasticity/docs/cluster.md", "SLURM"),
        ] {
            let text = (try? String(contentsOfFile: prefix + "/" + file, encoding: .utf8)) ?? ""
            XCTAssertTrue(text.contains(marker), "\(file) should contain \(marker)")
        }

        let elsewhere = directory.appendingPathComponent("elsewhere")
        let small = ["--task", "flipflop3", "--task-param", "T=10", "--hidden", "6", "--max-trials", "32", "--eval-every", "32"]
        let eprop = try run(binary, ["train", "--rule", "eprop-random"] + small, in: elsewhere)
        XCTAssertEqual(eprop.status, 0, eprop.err)
        XCTAssertTrue(eprop.out.contains("\nrule from shipped; optimizer adam, lr 0.01; readout by the delta rule\n"), eprop.out)
        // bptt: the shipped file's Adam 3e-3 with clipping at 2 (not the implementation's defaults),
        // the same from /tmp and from the repository root.
        for cwd in [elsewhere, InstallTests.packageDirectory] {
            let bptt = try run(binary, ["train", "--rule", "bptt"] + small, in: cwd)
            XCTAssertEqual(bptt.status, 0, bptt.err)
            XCTAssertTrue(bptt.out.contains("\nrule from shipped; optimizer adam, lr 0.003, clip 2; readout by the delta rule\n"), "\(cwd.path): \(bptt.out)")
        }
        let listing = try run(binary, ["rules"], in: elsewhere)
        XCTAssertTrue(listing.out.contains("eprop-random (online, eprop): e-prop with fixed random feedback weights (random e-prop)\n  feedback = random; optimizer: adam, lr 0.01\n  from:  shipped\n"), listing.out)

        let protocols = try run(binary, ["protocols"], in: elsewhere)
        XCTAssertTrue(protocols.out.contains("\nquickstart "), protocols.out)
        let written = try run(binary, ["protocols", "write", "quickstart"], in: elsewhere)
        XCTAssertEqual(written.out, "quickstart.toml\n")
        let shown = try run(binary, ["protocols", "show", "quickstart"], in: elsewhere)
        XCTAssertEqual(shown.out, try String(contentsOfFile: elsewhere.appendingPathComponent("quickstart.toml").path, encoding: .utf8))
        let unknown = try run(binary, ["run", "quickstrat", "--db", "x.sqlite"], in: elsewhere)
        XCTAssertEqual(unknown.status, 2)
        XCTAssertTrue(unknown.err.hasPrefix("error: unknown protocol 'quickstrat' (did you mean 'quickstart'?); valid: ablation, "), unknown.err)
        XCTAssertFalse(FileManager.default.fileExists(atPath: elsewhere.appendingPathComponent("x.sqlite").path))

        let removed = try run(make, ["-s", "uninstall", "PREFIX=\(prefix)"], in: InstallTests.packageDirectory)
        XCTAssertEqual(removed.status, 0, removed.err)
        XCTAssertFalse(FileManager.default.fileExists(atPath: binary))
        XCTAssertFalse(FileManager.default.fileExists(atPath: prefix + "/share/doc/plasticity"))
    }

    func testSweepMergeAndStatusThroughTheBinary() throws {
        let binary = CLI.binary.path
        let cwd = directory.appendingPathComponent("elsewhere")
        let proto = "name = \"two\"\nrules = [\"bptt\"]\ntasks = [\"flipflop3\"]\nseeds = 2\n[task-parameters]\nT = 10\n[model]\nhidden = 4\n[training]\nmax-trials = 32\neval-every = 32\nbatch = 8\nvalidation-size = 8\n"
        try proto.write(to: cwd.appendingPathComponent("two.toml"), atomically: true, encoding: .utf8)
        let sweep = try run(binary, ["sweep", "two.toml", "--emit", "slurm", "--out", "job"], in: cwd)
        XCTAssertEqual(sweep.status, 0, sweep.err)
        XCTAssertTrue(sweep.out.hasPrefix("two: 2 cells in 2 array tasks, --mem=256M each\nsubmit:  sbatch "), sweep.out)
        // What each array task runs, done here by hand.
        for i in 0..<2 {
            let r = try run(binary, ["run", "job/two.toml", "--cells", "\(i)/2", "--db", "job/part-\(i).sqlite", "--workers", "1"], in: cwd)
            XCTAssertEqual(r.status, 0, r.err)
        }
        let merged = try run(binary, ["merge", "job/part-0.sqlite", "job/part-1.sqlite", "--db", "results.sqlite"], in: cwd)
        XCTAssertEqual(merged.out, "merged 2 file(s): 2 runs added, 0 already present, 0 duplicate(s) across inputs\nprotocol two: 2 cells, 2 done (0 diverged), 0 missing\n")
        let status = try run(binary, ["status", "job/part-0.sqlite", "two"], in: cwd)
        XCTAssertEqual(status.out, "protocol two: 2 cells, 1 done (0 diverged), 1 missing\n  missing: rule bptt, task flipflop3, seed 2\n")

        for (arguments, prefix) in [
            (["merge", "job/none.sqlite", "--db", "r.sqlite"], "error: job/none.sqlite: no such file"),
            (["status", "results.sqlite", "three"], "error: results.sqlite: unknown protocol 'three'; valid: two"),
            (["sweep", "two.toml", "--emit", "pbs", "--out", "job2"], "error: --emit: unknown job kind 'pbs'; valid: slurm"),
            (["sweep", "two.toml", "--emit", "slurm", "--out", "job2", "--tasks", "3"], "error: --tasks: value 3 out of range; valid: 1...2"),
        ] {
            let r = try run(binary, arguments, in: cwd)
            XCTAssertEqual(r.status, 2, "\(arguments)")
            XCTAssertEqual(r.err.filter { $0 == "\n" }.count, 1, r.err)
            XCTAssertTrue(r.err.hasPrefix(prefix), "\(r.err) should start with \(prefix)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: cwd.appendingPathComponent("r.sqlite").path))
        XCTAssertFalse(FileManager.default.fileExists(atPath: cwd.appendingPathComponent("job2").path))
    }
}
