package wizard

// The checks of single fields other forms reuse (the app forms of web/apps): each returns the
// message for the field, "" when the value is valid.

// CheckCPU checks a CPU quantity as the wizard does: a positive Kubernetes quantity, to the
// millicore; "" is valid (OSCAR's default).
func CheckCPU(cpu string) string { return checkCPU(cpu) }

// CheckMemory checks a memory quantity as the wizard does: at least 1 MiB; "" is valid.
func CheckMemory(mem string) string { return checkMemory(mem) }

// CheckBucket applies S3's bucket naming rules.
func CheckBucket(b string) string { return bucketProblem(b) }
