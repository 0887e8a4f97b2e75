import Dense
import Foundation

/// The trial-level pieces the gated models (GRU, LSTM) share: they differ only in their step.
/// Both read out y_t = V h_t + c from groups "V" and "c", and keep one row of several gate values
/// per neuron in the trajectory, so its N-wide gate buffers are widened once here.
enum GatedRecurrence {
    /// Checks the shapes; returns whether the preactivation noise perturbs every gate (width gates·N) rather
    /// than the candidate only (width N).
    static func checkShapes(inputs: Tensor3, inputSize: Int, hidden n: Int, gates: Int, noise: ForwardNoise?, trajectory tr: Trajectory) -> Bool {
        let steps = inputs.steps, batch = inputs.batch
        precondition(inputs.width == inputSize && tr.batch == batch)
        precondition(noise?.preactivation.map { $0.steps >= steps && $0.batch == batch && ($0.width == n || $0.width == gates * n) } ?? true,
                     "preactivation noise has the wrong shape")
        precondition(noise?.state.map { $0.steps >= steps && $0.batch == batch && $0.width == n } ?? true, "state noise has the wrong shape")
        return noise?.preactivation.map { $0.width == gates * n && gates != 1 } ?? false
    }

    /// Prepares `tr` for `steps` steps with pre-activation and activation rows of the given widths
    /// (a one-off allocation the first time a trajectory meets this model; none in the time loop).
    static func prepare(_ tr: inout Trajectory, steps: Int, preactivationWidth: Int, activationWidth: Int) {
        let batch = tr.batch
        if tr.preactivations.width != preactivationWidth {
            tr.preactivations = Tensor3(steps: steps, batch: batch, width: preactivationWidth)
        }
        if tr.activations.width != activationWidth {
            tr.activations = Tensor3(steps: steps, batch: batch, width: activationWidth)
        }
        tr.prepare(steps: steps)
    }

    /// y_t = c + V h_t for every step and trial at once (one gemm over T·B rows).
    static func readout(parameters: [Double], layout: ParameterLayout, hidden n: Int, into tr: inout Trajectory) {
        let rows = tr.outputs.steps * tr.outputs.batch, nOut = tr.outputs.width, slice = tr.batch * n
        let vo = layout["V"].offset, co = layout["c"].offset
        parameters.withUnsafeBufferPointer { P in
            tr.states.data.withUnsafeBufferPointer { H in
                tr.outputs.data.withUnsafeMutableBufferPointer { Y in
                    let y0 = Y.baseAddress!
                    for r in 0..<rows { for k in 0..<nOut { y0[r * nOut + k] = P[co + k] } }
                    BLAS.gemm(transB: true, m: rows, n: nOut, k: n, a: H.baseAddress! + slice, lda: n, b: P.baseAddress! + vo, ldb: n, beta: 1, c: y0, ldc: nOut)
                }
            }
        }
    }

    /// Zeroes `gradient`, writes the readout's dV and dc, sizes the backward buffer to rows of
    /// `deltaWidth` and puts dL/dh_t from the readout (dY_t V) into the first N columns of each row.
    static func beginBackward(
        _ tr: inout Trajectory, parameters: [Double], layout: ParameterLayout, inputs: Tensor3,
        outputGradient dY: Tensor3, deltaWidth: Int, into gradient: inout [Double]
    ) {
        let steps = inputs.steps, batch = inputs.batch, n = tr.states.width, nOut = dY.width
        precondition(dY.steps == steps && dY.batch == batch && nOut == tr.outputs.width)
        if gradient.count != layout.count { gradient = [Double](repeating: 0, count: layout.count) }
        for i in gradient.indices { gradient[i] = 0 }
        if tr.backwardBuffer.width != deltaWidth {
            tr.backwardBuffer = Tensor3(steps: steps, batch: batch, width: deltaWidth)
        }
        tr.backwardBuffer.resize(steps: steps)
        guard steps > 0 else { return }
        let rows = steps * batch, vo = layout["V"].offset
        parameters.withUnsafeBufferPointer { P in
            gradient.withUnsafeMutableBufferPointer { G in
                dY.data.withUnsafeBufferPointer { DY in
                    tr.states.data.withUnsafeBufferPointer { H in
                        tr.backwardBuffer.data.withUnsafeMutableBufferPointer { D in
                            readoutGradient(
                                dY: DY.baseAddress!, rates: H.baseAddress! + batch * n, rows: rows, hidden: n, outputs: nOut,
                                readoutOffset: layout["V"].offset, readoutBiasOffset: layout["c"].offset, into: G.baseAddress!)
                            BLAS.gemm(m: rows, n: n, k: nOut, a: DY.baseAddress!, lda: nOut, b: P.baseAddress! + vo, ldb: n, beta: 0, c: D.baseAddress!, ldc: deltaWidth)
                        }
                    }
                }
            }
        }
    }
}

/// The logistic function σ(a) = 1 / (1 + e^{-a}) of the gates.
@inline(__always) func sigmoid(_ a: Double) -> Double { 1 / (1 + exp(-a)) }
