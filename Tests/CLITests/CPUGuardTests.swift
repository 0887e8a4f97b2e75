import CPUGuard
import XCTest

/// A binary built for AVX2 and FMA (make's default where the build machine has them) refuses a CPU
/// without them with one line and status 2 (CPUGuard), instead of dying of an illegal instruction.
final class CPUGuardTests: XCTestCase {
    func testABinaryBuiltForAVX2AndFMARefusesACPUWithoutThemInOneLine() throws {
        var environment = CLI.cleanEnvironment
        environment["PLASTICITY_PRETEND_NO_AVX2"] = "1"
        let result = try CLI.run(["--version"], environment: environment)
        if plasticity_build_requires_avx2_fma() == 1 {
            XCTAssertEqual(result.status, 2)
            XCTAssertEqual(result.stdout, "")
            XCTAssertEqual(
                result.stderr,
                "error: this plasticity binary was built for CPUs with AVX2 and FMA, and this CPU lacks them; "
                    + "build it on this machine (make build), or build one for any x86-64 with: make build PORTABLE=1\n")
        } else {
            // A portable build (swift build, or make PORTABLE=1) runs anywhere: the variable changes nothing.
            XCTAssertEqual(result.status, 0, result.stderr)
            XCTAssertFalse(result.stdout.isEmpty)
        }
    }

    /// On this machine the check passes: the same binary runs.
    func testTheCheckPassesOnACPUWithAVX2AndFMA() throws {
        let flags = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?
            .split(separator: "\n").first { $0.hasPrefix("flags") }?.split(separator: " ").map(String.init) ?? []
        guard flags.contains("avx2") && flags.contains("fma") else { throw XCTSkip("this CPU lacks AVX2 or FMA") }
        let result = try CLI.run(["--version"])
        XCTAssertEqual(result.status, 0, result.stderr)
    }
}
