/// Raw pointers to a trajectory's buffers for one pass, so the time loops of models and rules read
/// as arithmetic rather than nested `withUnsafe…` closures. Valid only inside `withPointers`.
package struct TrajectoryPointers {
    package let states: UnsafeMutablePointer<Double>
    package let preactivations: UnsafeMutablePointer<Double>
    package let activations: UnsafeMutablePointer<Double>
    package let outputs: UnsafeMutablePointer<Double>
    /// B × N, one time slice of the states.
    package let slice: Int
}

extension Trajectory {
    package mutating func withPointers<R>(_ body: (TrajectoryPointers) throws -> R) rethrows -> R {
        let slice = states.batch * states.width
        return try withMutablePointers(&states.data, &preactivations.data, &activations.data) { H, A, F in
            try outputs.data.withUnsafeMutableBufferPointer { Y in
                try body(TrajectoryPointers(states: H, preactivations: A, activations: F, outputs: mutableAddress(Y), slice: slice))
            }
        }
    }
}

extension Trajectory {
    /// The same pointers for reading a stored pass (rules, analyses): a read access, so other reads of
    /// the trajectory may overlap it. The buffers must not be written through them.
    package func withReadOnlyPointers<R>(_ body: (TrajectoryPointers) throws -> R) rethrows -> R {
        let slice = states.batch * states.width
        return try PlasticityModels.withPointers(states.data, preactivations.data, activations.data) { H, A, F in
            try outputs.data.withUnsafeBufferPointer { Y in
                try body(TrajectoryPointers(
                    states: UnsafeMutablePointer(mutating: H), preactivations: UnsafeMutablePointer(mutating: A),
                    activations: UnsafeMutablePointer(mutating: F), outputs: UnsafeMutablePointer(mutating: address(Y)), slice: slice))
            }
        }
    }
}

extension Trajectory {
    /// The read pointers of the stored pass, and the backward buffer's data and the scratch as mutable work
    /// space: both are moved out of the trajectory for `body` (no copy), so a backward pass can write them
    /// while it reads the pass.
    package mutating func withWorkPointers<R>(
        _ body: (TrajectoryPointers, UnsafeMutablePointer<Double>, UnsafeMutablePointer<Double>) throws -> R
    ) rethrows -> R {
        var work = [Double](), scratch = [Double]()
        swap(&work, &backwardBuffer.data)
        swap(&scratch, &self.scratch)
        defer {
            swap(&work, &backwardBuffer.data)
            swap(&scratch, &self.scratch)
        }
        return try withReadOnlyPointers { p in try withMutablePointers(&work, &scratch) { try body(p, $0, $1) } }
    }
}

/// Read-only base addresses of three arrays for the duration of `body` (an empty array gives a
/// valid pointer that must not be read).
@inlinable package func withPointers<R>(
    _ a: [Double], _ b: [Double], _ c: [Double],
    _ body: (UnsafePointer<Double>, UnsafePointer<Double>, UnsafePointer<Double>) throws -> R
) rethrows -> R {
    try a.withUnsafeBufferPointer { A in
        try b.withUnsafeBufferPointer { B in
            try c.withUnsafeBufferPointer { C in
                try body(address(A), address(B), address(C))
            }
        }
    }
}

/// As `withPointers`, for arrays that may be absent: nil for an absent or empty array.
@inlinable package func withOptionalPointers<R>(
    _ a: [Double]?, _ b: [Double]?, _ c: [Double]?,
    _ body: (UnsafePointer<Double>?, UnsafePointer<Double>?, UnsafePointer<Double>?) throws -> R
) rethrows -> R {
    func present(_ x: [Double]?) -> Bool { !(x?.isEmpty ?? true) }
    return try withPointers(a ?? [], b ?? [], c ?? []) { A, B, C in
        try body(present(a) ? A : nil, present(b) ? B : nil, present(c) ? C : nil)
    }
}

/// Mutable base addresses of scratch arrays owned by a rule, for the duration of `body`.
@inlinable package func withMutablePointers<R>(
    _ a: inout [Double], _ b: inout [Double], _ c: inout [Double],
    _ body: (UnsafeMutablePointer<Double>, UnsafeMutablePointer<Double>, UnsafeMutablePointer<Double>) throws -> R
) rethrows -> R {
    try a.withUnsafeMutableBufferPointer { A in
        try b.withUnsafeMutableBufferPointer { B in
            try c.withUnsafeMutableBufferPointer { C in
                try body(mutableAddress(A), mutableAddress(B), mutableAddress(C))
            }
        }
    }
}

@inlinable package func withMutablePointers<R>(
    _ a: inout [Double], _ b: inout [Double],
    _ body: (UnsafeMutablePointer<Double>, UnsafeMutablePointer<Double>) throws -> R
) rethrows -> R {
    var none = [Double]()
    return try withMutablePointers(&a, &b, &none) { A, B, _ in try body(A, B) }
}

/// A non-nil address even for an empty buffer (never dereferenced then).
@usableFromInline func address(_ buffer: UnsafeBufferPointer<Double>) -> UnsafePointer<Double> {
    buffer.baseAddress ?? UnsafePointer(emptyAddress)
}

@usableFromInline func mutableAddress(_ buffer: UnsafeMutableBufferPointer<Double>) -> UnsafeMutablePointer<Double> {
    buffer.baseAddress ?? emptyAddress
}

@usableFromInline nonisolated(unsafe) let emptyAddress = UnsafeMutablePointer<Double>.allocate(capacity: 1)
