using TierFs.Index.Policies;
using TierFs.Tiering.Config;

namespace TierFs.Policies;

/// <summary>The config check a mount and `tierfs policy check` share: the YAML, then every policy compiled against the index schema.</summary>
public static class PolicyValidator
{
    /// <summary>Loads and validates <paramref name="file"/>; every problem is a <see cref="ConfigException"/> with file and line.</summary>
    public static TierFsConfig Load(string file)
    {
        var config = ConfigLoader.Load(file);
        Validate(config, file);
        return config;
    }

    /// <summary>Throws "FILE:LINE: policy 'NAME': where: PROBLEM (at position N)" for the first policy that does not compile.</summary>
    public static void Validate(TierFsConfig config, string file)
    {
        ArgumentNullException.ThrowIfNull(config);
        foreach (var policy in config.Policies)
        {
            try
            {
                PolicyCondition.Compile(policy.Where, policy.Order);
            }
            catch (PolicyConditionException e)
            {
                // At the line of the key at fault, not of the policy's first key.
                var line = e.Part == "order" ? policy.OrderLine : policy.WhereLine;
                throw new ConfigException($"{file}:{(line > 0 ? line : policy.Line)}: policy '{policy.Name}': {e.Message}");
            }
        }
    }
}
