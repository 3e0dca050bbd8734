using System.Reflection;

namespace TierFs.IntegrationTests.Harness;

/// <summary>
/// Which test classes and fixtures xunit (v2) would never clean up: it calls Dispose
/// (<see cref="IDisposable"/>) and <see cref="IAsyncLifetime.DisposeAsync"/>, but not
/// <see cref="IAsyncDisposable.DisposeAsync"/>, so a class with only that one leaves its mounts,
/// servers, connections and temp directories behind after every test. Also linked into the unit tests.
/// </summary>
public static class XunitCleanup
{
    /// <summary>The names of the test classes and fixtures in <paramref name="assembly"/> that are async-disposable but not <see cref="IAsyncLifetime"/>.</summary>
    public static List<string> NeverDisposed(Assembly assembly)
    {
        var types = assembly.GetTypes();
        var fixtures = types.SelectMany(t => t.GetInterfaces())
            .Where(i => i.IsGenericType && (i.GetGenericTypeDefinition() == typeof(IClassFixture<>) || i.GetGenericTypeDefinition() == typeof(ICollectionFixture<>)))
            .Select(i => i.GetGenericArguments()[0]);
        return types.Where(IsTestClass).Concat(fixtures).Distinct()
            .Where(t => typeof(IAsyncDisposable).IsAssignableFrom(t) && !typeof(IAsyncLifetime).IsAssignableFrom(t))
            .Select(t => t.FullName!).Order(StringComparer.Ordinal).ToList();
    }

    private static bool IsTestClass(Type type) =>
        type is { IsClass: true, IsAbstract: false } &&
        type.GetMethods(BindingFlags.Public | BindingFlags.Instance).Any(m => m.GetCustomAttributes<FactAttribute>(inherit: true).Any());
}
