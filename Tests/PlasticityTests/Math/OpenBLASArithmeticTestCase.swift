import Dense
import XCTest

/// Base of the suites that compare hand-written products with OpenBLAS bit for bit (skinny products,
/// the packed-W kernel). The reference is OpenBLAS on one thread, as every protocol runs it
/// (ProtocolRunner): threaded, it splits long sums and odd row counts by thread. And the arithmetic
/// reproduced is its Haswell/Zen kernel's; where it runs another, "the same numbers" has no referent.
class OpenBLASArithmeticTestCase: XCTestCase {
    private var threadsBefore = 1

    override func setUp() {
        super.setUp()
        threadsBefore = BLAS.threads
        BLAS.setThreads(1)
    }

    override func tearDown() {
        BLAS.setThreads(threadsBefore)
        super.tearDown()
    }

    /// Skips unless OpenBLAS runs its Haswell/Zen kernel; `reproducer` names what reproduces it.
    func requireHaswellFamilyKernel(_ reproducer: String) throws {
        let core = BLAS.coreName.lowercased()
        guard core.contains("zen") || core.contains("haswell") else {
            throw XCTSkip("OpenBLAS runs its \(BLAS.coreName) kernel here; \(reproducer) reproduce(s) the Haswell/Zen one")
        }
    }
}
