import Dense
import Foundation

/// How a gated model lays out its pass, all widths per neuron: what `GatedRecurrence.forward` and
/// `backward` need to know of it besides its step.
struct GatedShape {
    /// The gates: each has an input drive U_g x_t (the first gates·N columns of a preactivation row, from the
    /// stacked U starting at group "U" + `firstGate`), a recurrent one W_g h_{t-1} (the stacked W from "W" +
    /// `firstGate`, whose deltas come first in a delta row) and may get its own preactivation noise.
    let gates: Int
    let firstGate: String
    /// Row widths of the preactivations (and of the deltas of the backward pass) and of the activations.
    let preactivations, activations: Int
    /// B × N blocks of carries from step t+1 (the first is dL/dh_t); the step writes what does not go
    /// through W, and the recurrent part is added to the first (`addsToCarry`) or written over it.
    let carries: Int
    let addsToCarry: Bool
}

/// A gated model (GRU, LSTM): its shape, for the passes `GatedRecurrence` runs around its step.
protocol GatedModel: RecurrentModel {
    static var shape: GatedShape { get }
}

/// The trial-level pieces the gated models (GRU, LSTM) share: they differ only in their step.
/// Both read out y_t = V h_t + c from groups "V" and "c", and keep one row of several gate values
/// per neuron in the trajectory, so its N-wide gate buffers are widened once here.
enum GatedRecurrence {
    /// The layout of a gated model: W_g (N × N) of every gate (together the stacked weight_hh), U_g
    /// (N × in, the stacked weight_ih), b_g (N) of every gate and then of `extraBiases`, V (out × N), c (out).
    static func makeLayout(gates: [String], extraBiases: [String] = [], sizes c: some ModelConfig) -> ParameterLayout {
        var layout = ParameterLayout()
        for gate in gates { layout.addMatrix("W" + gate, rows: c.hiddenSize, cols: c.hiddenSize) }
        for gate in gates { layout.addMatrix("U" + gate, rows: c.hiddenSize, cols: c.inputSize) }
        for gate in gates + extraBiases { layout.addVector("b" + gate, count: c.hiddenSize) }
        layout.addMatrix("V", rows: c.outputSize, cols: c.hiddenSize)
        layout.addVector("c", count: c.outputSize)
        return layout
    }

    /// PyTorch's initialisation: every weight and bias, readout included, ~ U(±1/sqrt(N)).
    static func uniformParameters(_ layout: ParameterLayout, hidden n: Int, rng: RandomSource) -> [Double] {
        let k = 1 / Double(n).squareRoot()
        return (0..<layout.count).map { _ in rng.uniform(-k, k) }
    }

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

    /// Step t of a gated forward pass: what the model's step reads and writes.
    struct ForwardStep {
        let t: Int
        let parameters: UnsafePointer<Double>
        let hPrev: UnsafePointer<Double>
        let hNow: UnsafeMutablePointer<Double>
        /// Step t's rows of the trajectory's preactivations (holding the input drives on entry) and activations.
        let pre: UnsafeMutablePointer<Double>
        let activations: UnsafeMutablePointer<Double>
        /// The trajectory's scratch (4 × B × N).
        let scratch: UnsafeMutablePointer<Double>
        /// Step t's noise rows, if any; with `everyGate` the preactivation noise has rows of gates·N, else of N.
        let preactivationNoise: UnsafePointer<Double>?
        let everyGate: Bool
        let stateNoise: UnsafePointer<Double>?
    }

    /// The forward pass of both gated models around their step: shapes checked, the trajectory widened,
    /// h_0 (0, or the noise's initial state; the LSTM's cell state starts at 0), the input drives of every step at once (one gemm from the stacked U into the first gates·N
    /// columns of each preactivation row), `step` for t = 0..<T, then the readout.
    static func forward<M: GatedModel>(_ model: M, _ inputs: Tensor3, noise: ForwardNoise?, into tr: inout Trajectory, step: (ForwardStep) -> Void) {
        let shape = M.shape, parameters = model.parameters, layout = model.layout
        let steps = inputs.steps, batch = inputs.batch, n = model.hiddenSize, nIn = model.inputSize, slice = batch * n
        let gates = shape.gates, uo = layout["U" + shape.firstGate].offset
        let preactivationWidth = shape.preactivations * n, activationWidth = shape.activations * n
        let everyGate = checkShapes(inputs: inputs, inputSize: nIn, hidden: n, gates: gates, noise: noise, trajectory: tr)
        prepare(&tr, steps: steps, preactivationWidth: preactivationWidth, activationWidth: activationWidth)
        guard steps > 0 else { return }
        let noiseRow = (everyGate ? gates : 1) * slice
        // The scratch is moved out of the trajectory for the pass (no copy) while its buffers are written.
        var scratch = [Double]()
        swap(&scratch, &tr.scratch)
        defer { swap(&scratch, &tr.scratch) }
        tr.withPointers { p in
            withPointers(parameters, inputs.data, []) { P, X, _ in
                withOptionalPointers(noise?.preactivation?.data, noise?.state?.data, nil) { PN, SN, _ in
                    scratch.withUnsafeMutableBufferPointer { buffer in
                        let S = buffer.baseAddress!
                        noise.writeInitialState(p.states, count: slice)
                        BLAS.gemm(transB: true, m: steps * batch, n: gates * n, k: nIn, a: X, lda: nIn, b: P + uo, ldb: nIn,
                                  beta: 0, c: p.preactivations, ldc: preactivationWidth)
                        for t in 0..<steps {
                            step(ForwardStep(
                                t: t, parameters: P, hPrev: p.states + t * slice, hNow: p.states + (t + 1) * slice,
                                pre: p.preactivations + t * preactivationWidth * batch, activations: p.activations + t * activationWidth * batch,
                                scratch: S, preactivationNoise: PN.map { $0 + t * noiseRow }, everyGate: everyGate,
                                stateNoise: SN.map { $0 + t * slice }))
                        }
                    }
                }
            }
        }
        readout(parameters: parameters, layout: layout, hidden: n, into: &tr)
    }

    /// Step t of a gated backward pass.
    struct BackwardStep {
        let t: Int
        let hPrev: UnsafePointer<Double>
        /// Step t's rows of the stored preactivations and activations.
        let pre: UnsafePointer<Double>
        let activations: UnsafePointer<Double>
        /// dL/dh_t given directly (the state gradient), if any.
        let direct: UnsafePointer<Double>?
        /// Step t's rows of the backward buffer: dL/dh_t from the readout in the first N columns on entry.
        let delta: UnsafeMutablePointer<Double>
        /// The carries from step t+1 (B × N each, consecutive).
        let carry: UnsafeMutablePointer<Double>
    }

    /// What the rest of the weight gradient is computed from once every step's deltas are in.
    struct BackwardTotals {
        let gradient: UnsafeMutablePointer<Double>
        let inputs: UnsafePointer<Double>
        /// T·B rows of `deltaWidth`.
        let deltas: UnsafePointer<Double>
        let rows: Int
    }

    /// The backward pass of both gated models around their step: the readout's gradient and dL/dh_t
    /// (`beginBackward`), then for t = T-1 … 0 the model's `step` (its deltas, and the carries not through
    /// W), and the carries zeroed where t % truncation == 0, else dL/dh_t (+)= the recurrent drives' deltas ·
    /// the stacked W (`GatedShape`). Then dW = those deltas^T h_{t-1} over all steps and trials in one gemm,
    /// and `finish` the rest (U, biases).
    static func backward<M: GatedModel>(
        _ model: M, _ tr: inout Trajectory, inputs: Tensor3, outputGradient dY: Tensor3, stateGradient: Tensor3?, truncation: Int?,
        into gradient: inout [Double], step: (BackwardStep) -> Void, finish: (BackwardTotals) -> Void
    ) {
        let shape = M.shape, parameters = model.parameters, layout = model.layout
        let steps = inputs.steps, batch = inputs.batch, n = model.hiddenSize, slice = batch * n
        let deltaWidth = shape.preactivations * n, recurrentDrives = shape.gates, carries = shape.carries
        let wo = layout["W" + shape.firstGate].offset
        beginBackward(&tr, parameters: parameters, layout: layout, inputs: inputs, outputGradient: dY, deltaWidth: deltaWidth, into: &gradient)
        guard steps > 0 else { return }
        let preactivationRow = tr.preactivations.width * batch, activationRow = tr.activations.width * batch
        withPointers(parameters, inputs.data, []) { P, X, _ in
            withOptionalPointers(stateGradient?.data, nil, nil) { SG, _, _ in
                gradient.withUnsafeMutableBufferPointer { g in
                    let G = g.baseAddress!
                    tr.withWorkPointers { p, d0, carry in
                        for i in 0..<(carries * slice) { carry[i] = 0 }
                        for t in stride(from: steps - 1, through: 0, by: -1) {
                            let d = d0 + t * deltaWidth * batch
                            step(BackwardStep(
                                t: t, hPrev: p.states + t * slice, pre: p.preactivations + t * preactivationRow,
                                activations: p.activations + t * activationRow, direct: SG.map { $0 + (t + 1) * slice }, delta: d, carry: carry))
                            if let k = truncation, t % k == 0 {
                                for i in 0..<(carries * slice) { carry[i] = 0 }
                            } else {
                                BLAS.gemm(m: batch, n: n, k: recurrentDrives * n, a: d, lda: deltaWidth, b: P + wo, ldb: n,
                                          beta: shape.addsToCarry ? 1 : 0, c: carry, ldc: n)
                            }
                        }
                        let rows = steps * batch
                        BLAS.gemm(transA: true, m: recurrentDrives * n, n: n, k: rows, a: d0, lda: deltaWidth, b: p.states, ldb: n,
                                  beta: 0, c: G + wo, ldc: n)
                        finish(BackwardTotals(gradient: G, inputs: X, deltas: d0, rows: rows))
                    }
                }
            }
        }
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
