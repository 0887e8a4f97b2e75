import XCTest
@testable import Plasticity

final class GeometryTests: XCTestCase {
    /// `k` orthonormal directions in R^n (Gram–Schmidt on Gaussian vectors).
    func orthonormalBasis(_ k: Int, in n: Int, rng: RandomSource) -> [[Double]] {
        var basis: [[Double]] = []
        while basis.count < k {
            var v = (0..<n).map { _ in rng.gaussian() }
            for b in basis {
                let d = zip(v, b).reduce(0) { $0 + $1.0 * $1.1 }
                for i in 0..<n { v[i] -= d * b[i] }
            }
            let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
            basis.append(v.map { $0 / norm })
        }
        return basis
    }

    /// Samples with unit variance along `k` random orthonormal directions of R^n, offset by a mean.
    func embedded(_ k: Int, in n: Int, samples: Int, seed: UInt64) -> (Matrix, [[Double]]) {
        let rng = RandomSource(seed: seed, stream: "geometry")
        let basis = orthonormalBasis(k, in: n, rng: rng)
        var x = Matrix(rows: samples, cols: n)
        for r in 0..<samples {
            for b in basis {
                let z = rng.gaussian()
                for i in 0..<n { x[r, i] += z * b[i] }
            }
            for i in 0..<n { x[r, i] += 0.5 * Double(i) }
        }
        return (x, basis)
    }

    func testParticipationRatioOfDataOfKnownDimension() throws {
        for k in [1, 3, 5] {
            let (x, basis) = embedded(k, in: 12, samples: 8_000, seed: UInt64(k))
            let pca = try Geometry.principalComponents(of: x)
            XCTAssertEqual(pca.participationRatio, Double(k), accuracy: 0.05 * Double(k), "k = \(k)")
            XCTAssertEqual(pca.componentsToExplain(0.9), k)
            XCTAssertEqual(pca.explainedVarianceRatio.prefix(k).reduce(0, +), 1, accuracy: 1e-9)
            for (i, m) in pca.mean.enumerated() { XCTAssertEqual(m, 0.5 * Double(i), accuracy: 0.1) }
            // The top k components span the embedding subspace: each basis vector lies in it.
            for b in basis {
                let inSpan = pca.components.prefix(k).reduce(0) { s, c in
                    let d = zip(b, c).reduce(0) { $0 + $1.0 * $1.1 }
                    return s + d * d
                }
                XCTAssertEqual(inSpan, 1, accuracy: 1e-9)
            }
        }
    }

    func testIsotropicDataHasParticipationRatioN() throws {
        let rng = RandomSource(seed: 9, stream: "iso")
        var x = Matrix(rows: 20_000, cols: 10)
        for i in x.data.indices { x.data[i] = rng.gaussian(sigma: 3) }
        let pca = try Geometry.principalComponents(of: x)
        XCTAssertEqual(pca.participationRatio, 10, accuracy: 0.1)
        XCTAssertEqual(pca.variances.first!, 9, accuracy: 0.5)
        XCTAssertGreaterThanOrEqual(pca.componentsToExplain(0.9), 8)
    }

    func testProjectionOntoLeadingComponents() throws {
        let (x, _) = embedded(2, in: 6, samples: 2_000, seed: 4)
        let pca = try Geometry.principalComponents(of: x)
        let point = zip(pca.mean, zip(pca.components[0], pca.components[1])).map { $0 + 2 * $1.0 - 3 * $1.1 }
        let p = pca.project(point, dimensions: 3)
        XCTAssertEqual(p[0], 2, accuracy: 1e-12)
        XCTAssertEqual(p[1], -3, accuracy: 1e-12)
        XCTAssertEqual(p[2], 0, accuracy: 1e-12)
    }

    func testStateSamplesAreTheTrajectorysStatesAfterTheSkip() throws {
        var tr = Trajectory(capacity: 4, batch: 2, hidden: 3, outputs: 1)
        tr.prepare(steps: 4)
        for i in tr.states.data.indices { tr.states.data[i] = Double(i) }
        let s = Geometry.stateSamples(tr, skip: 1)
        XCTAssertEqual(s.rows, 3 * 2)
        XCTAssertEqual(s[0, 0], tr.states[2, 0, 0])
        XCTAssertEqual(s[5, 2], tr.states[4, 1, 2])
    }
}
