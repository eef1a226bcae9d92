/// The library's version, as the engine writes it into files it produces (exports). The one
/// definition is `GSAU_VERSION_STRING` in include/gsau.h; this copy is checked against it by a test
/// (ExportTests), as the Python package's copy is by its tests.
public enum GSAUVersion {
    public static let string = "0.6.0"
}
