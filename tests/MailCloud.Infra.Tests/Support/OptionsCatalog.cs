using System.Collections;
using System.Globalization;
using System.Reflection;

namespace MailCloud.Infra.Tests.Support;

/// <summary>
/// The configuration the code reads, found by reflection: every class with a
/// <c>public const string SectionName</c> in the given assemblies is an options class bound to that section
/// (a section may bind several, as "Sieve" does). New options classes are picked up without touching the tests.
/// </summary>
public sealed class OptionsCatalog(IEnumerable<Assembly> assemblies)
{
    public IReadOnlyDictionary<string, IReadOnlyList<Type>> Sections { get; } = assemblies
        .SelectMany(a => a.GetTypes())
        .Select(t => (Type: t, Field: t.GetField("SectionName", BindingFlags.Public | BindingFlags.Static)))
        .Where(x => x.Field is { IsLiteral: true } && x.Field.FieldType == typeof(string))
        .GroupBy(x => ((string)x.Field!.GetRawConstantValue()!).Replace(":", "__", StringComparison.Ordinal), x => x.Type, StringComparer.OrdinalIgnoreCase)
        .ToDictionary(g => g.Key, g => (IReadOnlyList<Type>)[.. g], StringComparer.OrdinalIgnoreCase);

    /// <summary>Why <paramref name="key"/> (with its literal value, if known) does not bind to an options property; null when it does.</summary>
    public string? Problem(string key, string? literalValue)
    {
        var section = Sections.Keys
            .Where(s => key.StartsWith(s + "__", StringComparison.OrdinalIgnoreCase))
            .OrderByDescending(s => s.Length)
            .FirstOrDefault();
        if (section is null)
        {
            return $"{key}: no options class reads section '{key.Split("__")[0]}'";
        }

        // The key binds if any options class of its section reads it.
        var problems = Sections[section].Select(type => Problem(key, key[(section.Length + 2)..], type, literalValue)).ToList();
        return problems.Any(p => p is null) ? null : problems[0];
    }

    private static string? Problem(string key, string path, Type type, string? literalValue)
    {
        foreach (var segment in path.Split("__"))
        {
            type = Nullable.GetUnderlyingType(type) ?? type;
            var placeholder = segment.StartsWith('{');
            if (ElementType(type) is { } element)
            {
                if (!placeholder && !int.TryParse(segment, NumberStyles.None, CultureInfo.InvariantCulture, out _))
                {
                    return $"{key}: '{segment}' is not an index into {type.Name}";
                }

                type = element;
                continue;
            }

            if (placeholder)
            {
                // A property name computed at deployment time; the caller checks where those names come from.
                return null;
            }

            var property = type.GetProperty(segment, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
            if (property is null || (!property.CanWrite && ElementType(property.PropertyType) is null))
            {
                return $"{key}: {type.Name} has no settable property '{segment}'";
            }

            type = property.PropertyType;
        }

        return literalValue is null || Converts(Nullable.GetUnderlyingType(type) ?? type, literalValue)
            ? null
            : $"{key}: '{literalValue}' is not a valid {type.Name}";
    }

    public static Type? ElementType(Type type) =>
        type == typeof(string) ? null
        : type.IsArray ? type.GetElementType()
        : type.IsGenericType && typeof(IEnumerable).IsAssignableFrom(type) && type.GetGenericArguments() is [var element] ? element
        : null;

    private static bool Converts(Type type, string value) =>
        type.IsEnum ? Enum.TryParse(type, value, ignoreCase: true, out _)
        : type == typeof(int) ? int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out _)
        : type == typeof(long) ? long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out _)
        : type == typeof(bool) ? bool.TryParse(value, out _)
        : type == typeof(TimeSpan) ? TimeSpan.TryParse(value, CultureInfo.InvariantCulture, out _)
        : type == typeof(Uri) ? Uri.TryCreate(value, UriKind.Absolute, out _)
        : type == typeof(string) || !type.IsValueType;
}
