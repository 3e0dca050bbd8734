namespace TierFs.Remote;

/// <summary>Any failure of the remote tier. Messages are one line and name the store and the key.</summary>
public class RemoteException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The remote tier is misconfigured: endpoint unreachable at check time, bucket missing, access denied.</summary>
public class RemoteConfigurationException(string message, Exception? inner = null) : RemoteException(message, inner);

/// <summary>The credentials the configuration points at cannot be had (a broken AWS profile): a bad input, not an outage.</summary>
public sealed class RemoteCredentialsException(string message, Exception? inner = null) : RemoteConfigurationException(message, inner);

/// <summary>The remote tier did not answer in time or failed transiently (network, 5xx): try again later.</summary>
public sealed class RemoteUnavailableException(string message, Exception? inner = null) : RemoteException(message, inner);

/// <summary>The object does not exist.</summary>
public sealed class RemoteObjectMissingException(string message, Exception? inner = null) : RemoteException(message, inner);

/// <summary>
/// The data is not what it should be: wrong length, a part refused for a bad MD5, an object that
/// changed during a download. Never retry into the same target blindly.
/// </summary>
public sealed class RemoteDataException(string message, Exception? inner = null) : RemoteException(message, inner);
