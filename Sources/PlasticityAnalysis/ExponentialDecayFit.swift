import Foundation

/// Which decay explained an autocorrelation best.
public enum DecayModel: String, Codable, Sendable, CaseIterable {
    /// a e^{-k/tau}
    case single
    /// a c e^{-k/tau1} + a (1 - c) e^{-k/tau2}
    case double
    /// Neither fit converged to a finite, usable answer; the neuron is dropped and counted.
    case failed
}

/// The timescale read off one autocorrelation (the ICLR 2024 recipe, `model_comp`): AC(k)/AC(0) at
/// lags 0...K is fitted by a single and by a double exponential, with their bounds (a, c in [0, 1],
/// tau in [0, tauMax]); one of them is kept by `DecaySelection` (theirs: the lower AIC =
/// 2p + n ln(RSS/n)); the timescale is the single tau, or the larger of the two.
public struct DecayFit: Codable, Equatable, Sendable {
    public var model: DecayModel
    /// The selected timescale (NaN when failed).
    public var tau: Double
    /// The single-exponential tau and the double's (tau1 <= tau2), NaN where that fit failed.
    public var singleTau: Double
    public var doubleTaus: [Double]
    /// The double fit's weights of its faster and slower component (c and 1 - c, summing to 1; NaN where it failed).
    public var doubleWeights: [Double]
    public var singleAIC: Double
    public var doubleAIC: Double
}

public enum ExponentialDecayFit {
    /// Their bound on every tau (`curve_fit(..., bounds=(0, 100))`).
    public static let defaultTauMax = 100.0
    /// RSS is floored here before the logarithm so a perfect fit compares by its parameter count.
    static let rssFloor = 1e-300

    /// Fits `autocorrelation` (AC(0), AC(1), ...; normalised here by AC(0)).
    public static func fit(_ autocorrelation: [Double], tauMax: Double = defaultTauMax, selection: DecaySelection = .guarded) -> DecayFit {
        let failed = DecayFit(model: .failed, tau: .nan, singleTau: .nan, doubleTaus: [.nan, .nan], doubleWeights: [.nan, .nan], singleAIC: .infinity, doubleAIC: .infinity)
        guard autocorrelation.count >= 5, let first = autocorrelation.first, first > 0, first.isFinite,
              autocorrelation.allSatisfy(\.isFinite) else { return failed }
        let y = autocorrelation.map { $0 / first }
        let n = Double(y.count)
        func aic(_ rss: Double, parameters: Int) -> Double { 2 * Double(parameters) + n * log(max(rss, rssFloor) / n) }

        let guess = initialTau(y, tauMax: tauMax)
        var result = failed
        if let single = bestFit(y, model: .single, starts: [[0.95, guess]], tauMax: tauMax) {
            result.singleTau = single.values[1]
            result.singleAIC = aic(single.rss, parameters: 2)
        }
        let doubleStarts = [[0.95, guess / 2, guess * 2, 0.5], [0.95, guess / 5, guess * 5, 0.8]]
        if let double = bestFit(y, model: .double, starts: doubleStarts, tauMax: tauMax) {
            let c = double.values[3]
            let components = [(double.values[1], c), (double.values[2], 1 - c)].sorted { $0.0 < $1.0 }
            result.doubleTaus = components.map(\.0)
            result.doubleWeights = components.map(\.1)
            result.doubleAIC = aic(double.rss, parameters: 4)
        }
        if selection == .guarded, result.singleAIC.isFinite, !isSecondProcess(result, tauMax: tauMax) {
            result.model = .single
            result.tau = result.singleTau
        } else if result.singleAIC < result.doubleAIC {
            result.model = .single
            result.tau = result.singleTau
        } else if result.doubleAIC < result.singleAIC {
            result.model = .double
            result.tau = result.doubleTaus[1]
        }
        return result
    }

    /// The guarded selection's test that the double fit is two processes, not one and a tail of noise.
    static func isSecondProcess(_ fit: DecayFit, tauMax: Double) -> Bool {
        let taus = fit.doubleTaus, weights = fit.doubleWeights
        return fit.doubleAIC < fit.singleAIC
            && weights.allSatisfy { $0 >= DecaySelection.minimumWeight }
            && taus[1] < DecaySelection.boundFraction * tauMax
            && taus[1] >= DecaySelection.minimumRatio * taus[0]
    }

    /// The lag where the normalised AC first falls below 1/e (linearly interpolated), inside (0, tauMax).
    static func initialTau(_ y: [Double], tauMax: Double) -> Double {
        let level = exp(-1.0)
        var tau = Double(y.count)
        for k in 1..<y.count where y[k] < level {
            let above = y[k - 1], below = y[k]
            tau = Double(k - 1) + (above - level) / max(above - below, 1e-12)
            break
        }
        return min(max(tau, 0.05), 0.9 * tauMax)
    }

    /// The fit with the least RSS among those from `starts` (natural parameters) that converged
    /// inside the bounds; nil if none did.
    static func bestFit(_ y: [Double], model: DecayModel, starts: [[Double]], tauMax: Double) -> (values: [Double], rss: Double)? {
        var best: (values: [Double], rss: Double)?
        for start in starts {
            let problem = BoundedDecay(y: y, model: model, tauMax: tauMax)
            guard let fit = try? NonlinearLeastSquares.fit(problem.problem, from: problem.unconstrained(start)),
                  fit.converged || fit.stalled else { continue }
            let values = problem.natural(fit.parameters)
            guard values.allSatisfy(\.isFinite), fit.residualSumOfSquares.isFinite else { continue }
            if best == nil || fit.residualSumOfSquares < best!.rss { best = (values, fit.residualSumOfSquares) }
        }
        return best
    }
}

/// A decay fitted inside its bounds through a smooth change of variables: a = σ(u), c = σ(w),
/// tau = tauMax σ(v), with σ the logistic function, so the solver works unconstrained.
struct BoundedDecay {
    let y: [Double]
    let model: DecayModel
    let tauMax: Double

    static func logistic(_ z: Double) -> Double { 1 / (1 + exp(-z)) }
    static func logit(_ p: Double) -> Double {
        let q = min(max(p, 1e-9), 1 - 1e-9)
        return log(q / (1 - q))
    }

    /// Natural parameters (a, tau) or (a, tau1, tau2, c) from the solver's.
    func natural(_ z: [Double]) -> [Double] {
        switch model {
        case .single: return [Self.logistic(z[0]), tauMax * Self.logistic(z[1])]
        default: return [Self.logistic(z[0]), tauMax * Self.logistic(z[1]), tauMax * Self.logistic(z[2]), Self.logistic(z[3])]
        }
    }

    func unconstrained(_ values: [Double]) -> [Double] {
        switch model {
        case .single: return [Self.logit(values[0]), Self.logit(values[1] / tauMax)]
        default: return [Self.logit(values[0]), Self.logit(values[1] / tauMax), Self.logit(values[2] / tauMax), Self.logit(values[3])]
        }
    }

    /// e^{-k/tau} (1 at k = 0 whatever tau) and its derivative in tau, k/tau² e^{-k/tau}.
    static func decay(_ k: Double, _ tau: Double) -> (value: Double, slope: Double) {
        guard k > 0 else { return (1, 0) }
        guard tau > 0 else { return (0, 0) }
        let e = exp(-k / tau)
        return (e, e * k / (tau * tau))
    }

    var problem: LeastSquaresProblem {
        let y = self.y, model = self.model, tauMax = self.tauMax
        let p = model == .single ? 2 : 4
        return LeastSquaresProblem(
            residuals: y.count, parameters: p,
            residual: { z, r in
                let v = BoundedDecay(y: y, model: model, tauMax: tauMax).natural(z)
                for k in 0..<y.count {
                    let lag = Double(k)
                    if model == .single {
                        r[k] = v[0] * Self.decay(lag, v[1]).value - y[k]
                    } else {
                        r[k] = v[0] * (v[3] * Self.decay(lag, v[1]).value + (1 - v[3]) * Self.decay(lag, v[2]).value) - y[k]
                    }
                }
            },
            jacobian: { z, j in
                let v = BoundedDecay(y: y, model: model, tauMax: tauMax).natural(z)
                // d(natural)/d(solver): σ' = σ(1 - σ); for tau = tauMax σ(v): tau (1 - tau/tauMax).
                let da = v[0] * (1 - v[0])
                for k in 0..<y.count {
                    let lag = Double(k)
                    if model == .single {
                        let e = Self.decay(lag, v[1])
                        j[k * 2] = da * e.value
                        j[k * 2 + 1] = v[0] * e.slope * v[1] * (1 - v[1] / tauMax)
                    } else {
                        let e1 = Self.decay(lag, v[1]), e2 = Self.decay(lag, v[2]), c = v[3]
                        j[k * 4] = da * (c * e1.value + (1 - c) * e2.value)
                        j[k * 4 + 1] = v[0] * c * e1.slope * v[1] * (1 - v[1] / tauMax)
                        j[k * 4 + 2] = v[0] * (1 - c) * e2.slope * v[2] * (1 - v[2] / tauMax)
                        j[k * 4 + 3] = v[0] * (e1.value - e2.value) * c * (1 - c)
                    }
                }
            })
    }
}
