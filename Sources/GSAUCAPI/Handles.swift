import GSAU
import GSAUHeader
import Synchronization

// Opaque handles. Each handle object carries a magic word naming its kind, and every live handle
// is registered, so a NULL, freed or foreign pointer is recognised without dereferencing it.

class Handle {
    let magic: UInt32
    init(magic: UInt32) { self.magic = magic }
}

private let liveHandles = Mutex<Set<UInt>>([])

/// Registers a new handle object and returns the opaque pointer C will hold.
func register(_ object: Handle) -> OpaquePointer {
    let pointer = Unmanaged.passRetained(object).toOpaque()
    liveHandles.withLock { _ = $0.insert(UInt(bitPattern: pointer)) }
    return OpaquePointer(pointer)
}

/// Resolves a pointer from C to a live handle of type `T`, or throws a misuse error.
func resolve<T: Handle>(_ pointer: OpaquePointer?, as type: T.Type, magic: UInt32, _ what: String) throws -> T {
    guard let pointer else { throw BoundaryError.misuse("\(what) handle is NULL") }
    let raw = UnsafeRawPointer(pointer)
    let live = liveHandles.withLock { $0.contains(UInt(bitPattern: raw)) }
    guard live else { throw BoundaryError.misuse("\(what) handle is not a live handle (freed, or never created by gsau)") }
    let object = Unmanaged<Handle>.fromOpaque(raw).takeUnretainedValue()
    guard object.magic == magic, let typed = object as? T else {
        throw BoundaryError.misuse("handle is not a \(what) (wrong handle kind)")
    }
    return typed
}

/// Unregisters and releases a handle; NULL, freed and foreign pointers are ignored.
func release(_ pointer: OpaquePointer?) {
    guard let pointer else { return }
    let raw = UnsafeRawPointer(pointer)
    let wasLive = liveHandles.withLock { $0.remove(UInt(bitPattern: raw)) != nil }
    if wasLive { Unmanaged<Handle>.fromOpaque(raw).release() }
}

final class DatasetHandle: Handle {
    static let magic: UInt32 = 0x4753_4453   // "GSDS"
    let dataset: Dataset
    init(_ dataset: Dataset) {
        self.dataset = dataset
        super.init(magic: DatasetHandle.magic)
    }
}
