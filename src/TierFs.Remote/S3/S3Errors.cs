using System.Net;
using System.Net.Sockets;
using Amazon.Runtime;
using TierFs.Remote.Transfer;

namespace TierFs.Remote;

/// <summary>Turns SDK and network failures into the <see cref="RemoteException"/> kinds, with one-line messages.</summary>
internal static class S3Errors
{
    /// <summary>
    /// The remote exception for <paramref name="e"/>, or null when it should pass unchanged
    /// (the caller's cancellation, argument errors, exceptions already translated).
    /// <paramref name="where"/> names the store, the operation and the key.
    /// </summary>
    public static RemoteException? Translate(Exception e, string where, IdleDeadline deadline)
    {
        switch (e)
        {
            case RemoteException or ArgumentException:
                return null;
            case OperationCanceledException when deadline.Expired:
                return new RemoteUnavailableException($"{where}: no answer or no progress for {deadline.Idle.TotalSeconds:0.#} s", e);
            case OperationCanceledException:
                return null;
            case AmazonServiceException service when service.StatusCode != 0:
                return FromService(service, service.ErrorCode, where);
        }
        if (IsNetwork(e))
            return new RemoteUnavailableException($"{where}: {Innermost(e).Message.ReplaceLineEndings(" ")}", e);
        // A profile's credential_process that fails or prints nonsense: name the setting, not the SDK's internals.
        if (e is ProcessAWSCredentialException process)
            return new RemoteCredentialsException($"{AwsProfileFiles.Locate("credential_process") ?? "AWS profile"}: credential_process of profile " +
                                                  $"'{AwsProfileFiles.ProfileName}' failed: {OneLine(process.Message).TrimEnd(' ', '-')} ({where})", e);
        // The SDK lists every credential source it tried; an administrator needs one sentence.
        if (e is AmazonClientException { Message: var m } && m.StartsWith("Failed to resolve AWS credentials", StringComparison.Ordinal))
            return new RemoteConfigurationException($"{where}: no AWS credentials found (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or a profile)", e);
        if (e is AmazonClientException client)
            return new RemoteException($"{where}: {OneLine(client.Message)}", e);
        return null;
    }

    private static RemoteException FromService(AmazonServiceException e, string? code, string where)
    {
        var status = (int)e.StatusCode;
        var text = $"{where}: {code ?? status.ToString(System.Globalization.CultureInfo.InvariantCulture)}{(string.IsNullOrEmpty(e.Message) ? "" : ": " + OneLine(e.Message))}";
        return code switch
        {
            "NoSuchBucket" => new RemoteConfigurationException(text, e),
            "AccessDenied" or "InvalidAccessKeyId" or "SignatureDoesNotMatch" or "AllAccessDisabled" or "AccountProblem" or "InvalidBucketName"
                => new RemoteConfigurationException(text, e),
            "NoSuchKey" => new RemoteObjectMissingException(text, e),
            "BadDigest" or "InvalidDigest" or "PreconditionFailed" or "IncompleteBody" or "InvalidPart" or "InvalidPartOrder" or "InvalidRange"
                => new RemoteDataException(text, e),
            "SlowDown" or "ServiceUnavailable" or "InternalError" or "RequestTimeout" or "Throttling"
                => new RemoteUnavailableException(text, e),
            _ => status switch
            {
                401 or 403 => new RemoteConfigurationException(text, e),
                404 => new RemoteObjectMissingException(text, e),
                412 or 416 => new RemoteDataException(text, e),
                408 or 429 or >= 500 => new RemoteUnavailableException(text, e),
                _ => new RemoteException(text, e),
            },
        };
    }

    private static bool IsNetwork(Exception e)
    {
        for (Exception? x = e; x is not null; x = x.InnerException)
        {
            if (x is HttpRequestException or SocketException or IOException or TimeoutException or WebException) return true;
        }
        return false;
    }

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException is not null) e = e.InnerException;
        return e;
    }

    private static string OneLine(string s) => s.ReplaceLineEndings(" ").Trim();
}
