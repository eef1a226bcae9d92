import ArgumentParser
import GSAU

/// The model options of `train`, read from `ConfigSchema` (each field's `options`): nothing here
/// lists the fields again.
enum ModelOptions {
    /// The options' help, for the command's discussion.
    static var help: String {
        var lines = ["MODEL OPTIONS (default: the variant's; docs/MODEL.md §5):"]
        for (option, fields) in ConfigSchema.options {
            let names = fields.map(\.name).joined(separator: ", ")
            lines.append("  --\(option) <\(fields[0].kind.name)>   \(names): \(fields[0].range)")
            lines.append("        \(fields[0].help)")
        }
        return lines.joined(separator: "\n")
    }

    /// Field overrides from `--option value` / `--option=value` pairs.
    static func overrides(_ arguments: [String]) throws -> [(name: String, value: ConfigValue)] {
        let options = ConfigSchema.options
        var result: [(name: String, value: ConfigValue)] = []
        var k = 0
        while k < arguments.count {
            let token = arguments[k]
            guard token.hasPrefix("--") else { throw ValidationError("unexpected argument '\(token)'") }
            var name = String(token.dropFirst(2)), text: String
            if let eq = name.firstIndex(of: "=") {
                text = String(name[name.index(after: eq)...]); name = String(name[..<eq])
            } else {
                guard k + 1 < arguments.count else { throw ValidationError("missing value for '--\(name)'") }
                k += 1; text = arguments[k]
            }
            guard let fields = options.first(where: { $0.option == name })?.fields else {
                throw ValidationError("unknown option '--\(name)' (see --help)")
            }
            for field in fields {
                guard let value = field.parse(text) else {
                    throw ValidationError("--\(name): '\(text)' is not a valid \(field.kind.name)")
                }
                result.removeAll { $0.name == field.name }
                result.append((field.name, value))
            }
            k += 1
        }
        return result
    }
}
