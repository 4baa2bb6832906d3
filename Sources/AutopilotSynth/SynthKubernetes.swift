import AutopilotKit
import Foundation

/// Writes a `SynthCluster` as the files `collect-cluster --capture` saves: one `kubectl get -o json` List
/// per resource, in the shapes of fixtures/demo (the fields a real API server fills in, not only the
/// ones Autopilot reads).
struct SynthKubernetes {
    let cluster: SynthCluster

    func write(to directory: String) throws {
        try list(directory, "namespaces") { add in
            for namespace in cluster.namespaces + [("kube-system", "platform"), ("monitoring", "platform")] {
                try add(["apiVersion": "v1", "kind": "Namespace",
                         "metadata": meta(namespace.0, nil, ["kubernetes.io/metadata.name": namespace.0, "team": namespace.1], created: cluster.windowStart.addingTimeInterval(-90 * 86_400)),
                         "spec": ["finalizers": ["kubernetes"]], "status": ["phase": "Active"]])
            }
        }
        try list(directory, "nodes") { add in for node in cluster.nodes { try add(nodeObject(node)) } }
        try list(directory, "nodepools") { add in
            for pool in cluster.pools where pool.kind == "NodePool" { try add(nodePoolObject(pool)) }
        }
        try list(directory, "deployments") { add in
            for workload in cluster.workloads where workload.kind == "Deployment" { try add(controllerObject(workload)) }
        }
        try list(directory, "replicasets") { add in
            for workload in cluster.workloads where workload.kind == "Deployment" {
                try add(replicaSetObject(workload, hash: workload.templateHash, replicas: workload.replicas, revision: workload.revision))
                // The previous revision, scaled to zero and kept (revisionHistoryLimit), as a Deployment does.
                if workload.revision > 1 {
                    try add(replicaSetObject(workload, hash: String(workload.templateHash.reversed()), replicas: 0, revision: workload.revision - 1))
                }
            }
        }
        try list(directory, "statefulsets") { add in
            for workload in cluster.workloads where workload.kind == "StatefulSet" { try add(controllerObject(workload)) }
        }
        try list(directory, "daemonsets") { add in
            for workload in cluster.workloads where workload.kind == "DaemonSet" { try add(controllerObject(workload)) }
        }
        try list(directory, "cronjobs") { add in
            for workload in cluster.workloads where workload.kind == "CronJob" { try add(controllerObject(workload)) }
        }
        try list(directory, "jobs") { add in
            for pod in cluster.pods where pod.ownerKind == "Job" { try add(jobObject(pod)) }
        }
        try list(directory, "pods") { add in for pod in cluster.pods { try add(podObject(pod)) } }
        try list(directory, "horizontalpodautoscalers") { add in
            for workload in cluster.workloads { if let hpa = workload.hpa { try add(hpaObject(workload, hpa)) } }
        }
        try list(directory, "poddisruptionbudgets") { add in
            for workload in cluster.workloads where workload.pdb { try add(pdbObject(workload)) }
        }
        try list(directory, "services") { add in
            for workload in cluster.workloads where workload.kind == "Deployment" || workload.kind == "StatefulSet" {
                try add(serviceObject(workload))
            }
        }
        try list(directory, "persistentvolumes") { add in for volume in cluster.volumes { try add(volumeObject(volume)) } }
        try list(directory, "persistentvolumeclaims") { add in
            for volume in cluster.volumes where volume.phase == "Bound" { try add(claimObject(volume)) }
        }
        try list(directory, "storageclasses") { add in
            try add(["apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
                     "metadata": meta("gp3", nil, [:], created: cluster.windowStart.addingTimeInterval(-90 * 86_400)),
                     "parameters": ["encrypted": "true", "type": "gp3"], "provisioner": "ebs.csi.aws.com",
                     "reclaimPolicy": "Delete", "volumeBindingMode": "WaitForFirstConsumer", "allowVolumeExpansion": true])
        }
        try list(directory, "events") { add in
            // What `kubectl get events` holds on a quiet cluster: the last hour's scheduling of a few pods.
            for (index, pod) in cluster.pods.enumerated() where index % 10 == 0 && !pod.succeeded { try add(eventObject(pod, index)) }
        }
    }

    private func list(_ directory: String, _ name: String, _ body: ((JSONValue) throws -> Void) throws -> Void) throws {
        let writer = try KubectlJSONWriter(path: "\(directory)/\(name).json")
        try body { try writer.add($0) }
        try writer.close()
    }

    // MARK: Objects

    private func meta(_ name: String, _ namespace: String?, _ labels: [String: String], created: Date, uid: String? = nil,
                      owner: (kind: String, name: String, apiVersion: String)? = nil, annotations: [String: String] = [:],
                      extra: [JSONValue.Member] = []) -> JSONValue {
        var members: [JSONValue.Member] = [
            .init("name", .string(name)), .init("creationTimestamp", .string(RFC3339.string(created))),
            .init("resourceVersion", .string(String(4_100_000 + Int(StableHash.fnv1a64(name).prefix(4), radix: 16)!))),
            .init("uid", .string(uid ?? Self.uid(name + (namespace ?? "")))),
        ]
        if let namespace { members.append(.init("namespace", .string(namespace))) }
        if !labels.isEmpty { members.append(.init("labels", .sortedMap(labels))) }
        if !annotations.isEmpty { members.append(.init("annotations", .sortedMap(annotations))) }
        if let owner {
            members.append(.init("ownerReferences", [[
                "apiVersion": .string(owner.apiVersion), "blockOwnerDeletion": true, "controller": true,
                "kind": .string(owner.kind), "name": .string(owner.name), "uid": .string(Self.uid(owner.name + (namespace ?? ""))),
            ]]))
        }
        return .object(members + extra)
    }

    /// A stable UUID-shaped id from a name (the hash is FNV-1a, the same on every run).
    static func uid(_ name: String) -> String {
        SynthRandom.uuid(hex: StableHash.fnv1a64(name) + StableHash.fnv1a64("uid:" + name))
    }

    private func nodeObject(_ node: SynthCluster.Node) -> JSONValue {
        let pool = cluster.pools[node.pool]
        let size = String(node.instanceType.drop { $0 != "." }.dropFirst())
        var labels = [
            "beta.kubernetes.io/arch": "amd64", "beta.kubernetes.io/instance-type": node.instanceType, "beta.kubernetes.io/os": "linux",
            "kubernetes.io/arch": "amd64", "kubernetes.io/hostname": node.name, "kubernetes.io/os": "linux",
            "node.kubernetes.io/instance-type": node.instanceType, "topology.ebs.csi.aws.com/zone": node.zone,
            "topology.kubernetes.io/region": cluster.spec.region, "topology.kubernetes.io/zone": node.zone,
            "failure-domain.beta.kubernetes.io/region": cluster.spec.region, "failure-domain.beta.kubernetes.io/zone": node.zone,
        ]
        if pool.kind == "NodePool" {
            labels["karpenter.sh/nodepool"] = pool.name
            labels["karpenter.sh/capacity-type"] = node.capacityType
            labels["karpenter.k8s.aws/instance-family"] = pool.family
            labels["karpenter.k8s.aws/instance-category"] = String(pool.family.prefix(1))
            labels["karpenter.k8s.aws/instance-generation"] = "6"
            labels["karpenter.k8s.aws/instance-size"] = size
            labels["karpenter.k8s.aws/instance-cpu"] = String(node.capacityCores)
            labels["karpenter.sh/initialized"] = "true"
            labels["karpenter.sh/registered"] = "true"
        } else {
            labels["eks.amazonaws.com/nodegroup"] = pool.name
            labels["eks.amazonaws.com/capacityType"] = "ON_DEMAND"
            labels["eks.amazonaws.com/nodegroup-image"] = "ami-0a8e1c2f4b5d6e7f8"
        }
        let heartbeat = RFC3339.string(cluster.spec.now.addingTimeInterval(-18))
        let since = RFC3339.string(node.created)
        func condition(_ type: String, _ status: String, _ reason: String, _ message: String) -> JSONValue {
            ["type": .string(type), "status": .string(status), "reason": .string(reason), "message": .string(message),
             "lastHeartbeatTime": .string(heartbeat), "lastTransitionTime": .string(since)]
        }
        let resources: (String, String) -> JSONValue = { cpu, memory in
            ["cpu": .string(cpu), "ephemeral-storage": "76224326324", "hugepages-1Gi": "0", "hugepages-2Mi": "0",
             "memory": .string(memory), "pods": .string(node.capacityCores <= 4 ? "58" : node.capacityCores <= 8 ? "58" : "234")]
        }
        return [
            "apiVersion": "v1", "kind": "Node",
            "metadata": meta(node.name, nil, labels, created: node.created, uid: node.uid, annotations: [
                "alpha.kubernetes.io/provided-node-ip": node.ip, "node.alpha.kubernetes.io/ttl": "0",
                "csi.volume.kubernetes.io/nodeid": "{\"ebs.csi.aws.com\":\"\(node.instanceID)\"}",
                "volumes.kubernetes.io/controller-managed-attach-detach": "true",
            ]),
            "spec": ["providerID": .string("aws:///\(node.zone)/\(node.instanceID)")],
            "status": [
                "addresses": [["address": .string(node.ip), "type": "InternalIP"], ["address": .string(node.name), "type": "InternalDNS"],
                              ["address": .string(node.name), "type": "Hostname"]],
                "allocatable": resources("\(node.allocatableMillicores)m", "\(node.allocatableBytes / 1024)Ki"),
                "capacity": resources(String(node.capacityCores), "\(node.capacityBytes / 1024)Ki"),
                "conditions": [
                    condition("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
                    condition("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
                    condition("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
                    condition("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
                ],
                "daemonEndpoints": ["kubeletEndpoint": ["Port": 10250]],
                "nodeInfo": ["architecture": "amd64", "containerRuntimeVersion": "containerd://1.7.23",
                             "kernelVersion": "6.1.115-126.197.amzn2023.x86_64", "kubeProxyVersion": "v1.31.2-eks-94953ac",
                             "kubeletVersion": "v1.31.2-eks-94953ac", "operatingSystem": "linux", "osImage": "Amazon Linux 2023.6.20241111"],
            ],
        ]
    }

    private func nodePoolObject(_ pool: SynthCluster.Pool) -> JSONValue {
        let nodes = cluster.nodes.filter { cluster.pools[$0.pool].name == pool.name }
        let requirement: (String, String, [String]) -> JSONValue = { key, op, values in
            ["key": .string(key), "operator": .string(op), "values": .strings(values)]
        }
        return [
            "apiVersion": "karpenter.sh/v1", "kind": "NodePool",
            "metadata": meta(pool.name, nil, ["app.kubernetes.io/managed-by": "Helm"], created: cluster.windowStart.addingTimeInterval(-60 * 86_400)),
            "spec": [
                "disruption": ["budgets": [["nodes": "10%"]], "consolidateAfter": "30s", "consolidationPolicy": "WhenEmptyOrUnderutilized"],
                "limits": ["cpu": "100000", "memory": "400000Gi"],
                "template": ["spec": [
                    "expireAfter": "720h",
                    "nodeClassRef": ["group": "karpenter.k8s.aws", "kind": "EC2NodeClass", "name": "default"],
                    "requirements": [
                        requirement("karpenter.k8s.aws/instance-family", "In", [pool.family]),
                        requirement("karpenter.k8s.aws/instance-size", "In", pool.sizes),
                        requirement("karpenter.sh/capacity-type", "In", ["spot", "on-demand"]),
                        requirement("kubernetes.io/arch", "In", ["amd64"]),
                    ],
                ]],
            ],
            "status": ["resources": ["cpu": .string(String(nodes.reduce(0) { $0 + $1.capacityCores })), "nodes": .string(String(nodes.count))]],
        ]
    }

    private func containerObject(_ container: SynthCluster.Container) -> JSONValue {
        var requests: [JSONValue.Member] = [.init("cpu", .string(Self.cpu(container.cpuMillicores))), .init("memory", .string(Self.memory(container.memoryBytes)))]
        var limits: [JSONValue.Member] = []
        if let cpu = container.cpuLimitMillicores { limits.append(.init("cpu", .string(Self.cpu(cpu)))) }
        if let memory = container.memoryLimitBytes { limits.append(.init("memory", .string(Self.memory(memory)))) }
        requests.sort { $0.key < $1.key }
        var members: [JSONValue.Member] = [
            .init("name", .string(container.name)), .init("image", .string(container.image)), .init("imagePullPolicy", "IfNotPresent"),
            .init("resources", limits.isEmpty ? ["requests": .object(requests)] : ["limits": .object(limits), "requests": .object(requests)]),
            .init("terminationMessagePath", "/dev/termination-log"), .init("terminationMessagePolicy", "File"),
        ]
        if let port = container.port {
            members.append(.init("ports", [["containerPort": .int(Int64(port)), "name": "http", "protocol": "TCP"]]))
            let probe: (String) -> JSONValue = { path in
                ["failureThreshold": 3, "httpGet": ["path": .string(path), "port": "http", "scheme": "HTTP"], "periodSeconds": 10,
                 "successThreshold": 1, "timeoutSeconds": 1]
            }
            members.append(.init("livenessProbe", probe("/healthz")))
            members.append(.init("readinessProbe", probe("/ready")))
        }
        return .object(members)
    }

    private func podSpec(_ workload: SynthCluster.Workload) -> [JSONValue.Member] {
        var spec: [JSONValue.Member] = [
            .init("containers", .array(workload.containers.map(containerObject))), .init("dnsPolicy", "ClusterFirst"),
            .init("restartPolicy", workload.kind == "CronJob" ? "OnFailure" : "Always"), .init("schedulerName", "default-scheduler"),
            .init("securityContext", [:]), .init("serviceAccountName", .string(workload.kind == "DaemonSet" ? workload.name : "default")),
            .init("terminationGracePeriodSeconds", 30),
        ]
        if workload.kind == "DaemonSet" {
            spec.append(.init("tolerations", [["operator": "Exists"]]))
            spec.append(.init("priorityClassName", "system-node-critical"))
        } else if workload.pool >= 0, cluster.pools[workload.pool].name != "general" {
            let pool = cluster.pools[workload.pool]
            let key = pool.kind == "NodePool" ? "karpenter.sh/nodepool" : "eks.amazonaws.com/nodegroup"
            spec.append(.init("nodeSelector", .object([.init(key, .string(pool.name))])))
        }
        return spec
    }

    private func controllerObject(_ workload: SynthCluster.Workload) -> JSONValue {
        let labels = ["app": workload.name, "team": workload.team]
        var template: JSONValue = ["metadata": ["creationTimestamp": nil, "labels": .sortedMap(labels)], "spec": .object(podSpec(workload))]
        var spec: [JSONValue.Member] = [.init("selector", ["matchLabels": ["app": .string(workload.name)]]), .init("revisionHistoryLimit", 10)]
        var status: [JSONValue.Member] = [.init("observedGeneration", .int(Int64(workload.revision)))]
        let apiVersion: JSONValue
        switch workload.kind {
        case "Deployment", "StatefulSet":
            apiVersion = "apps/v1"
            spec.append(.init("replicas", .int(Int64(workload.replicas))))
            status += [.init("replicas", .int(Int64(workload.replicas))), .init("readyReplicas", .int(Int64(workload.replicas))),
                       .init("availableReplicas", .int(Int64(workload.replicas))), .init("updatedReplicas", .int(Int64(workload.replicas)))]
            if workload.kind == "Deployment" {
                spec.append(.init("strategy", ["rollingUpdate": ["maxSurge": "25%", "maxUnavailable": "25%"], "type": "RollingUpdate"]))
                spec.append(.init("progressDeadlineSeconds", 600))
            } else {
                spec.append(.init("serviceName", .string(workload.name)))
                spec.append(.init("podManagementPolicy", "OrderedReady"))
                spec.append(.init("volumeClaimTemplates", [[
                    "apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": ["creationTimestamp": nil, "name": "data"],
                    "spec": ["accessModes": ["ReadWriteOnce"], "resources": ["requests": ["storage": .string("\(workload.volumeGiB ?? 20)Gi")]],
                             "storageClassName": "gp3", "volumeMode": "Filesystem"],
                ]]))
                template.set("spec", "volumes", to: [["name": "data", "persistentVolumeClaim": ["claimName": "data"]]])
            }
        case "DaemonSet":
            apiVersion = "apps/v1"
            status += [.init("desiredNumberScheduled", .int(Int64(workload.replicas))), .init("currentNumberScheduled", .int(Int64(workload.replicas))),
                       .init("numberReady", .int(Int64(workload.replicas))), .init("numberAvailable", .int(Int64(workload.replicas)))]
            spec.append(.init("updateStrategy", ["rollingUpdate": ["maxSurge": 0, "maxUnavailable": 1], "type": "RollingUpdate"]))
        default:  // CronJob
            apiVersion = "batch/v1"
            spec = [.init("schedule", "17 * * * *"), .init("concurrencyPolicy", "Forbid"), .init("successfulJobsHistoryLimit", 3),
                    .init("jobTemplate", ["spec": ["backoffLimit": 2, "template": template]])]
            status = [.init("lastScheduleTime", .string(RFC3339.string(cluster.spec.now.addingTimeInterval(-2_580))))]
        }
        if workload.kind != "CronJob" { spec.append(.init("template", template)) }
        return [
            "apiVersion": apiVersion, "kind": .string(workload.kind),
            "metadata": meta(workload.name, workload.namespace, labels, created: workload.created, uid: workload.uid,
                             annotations: workload.kind == "Deployment" ? ["deployment.kubernetes.io/revision": String(workload.revision)] : [:],
                             extra: [.init("generation", .int(Int64(workload.revision)))]),
            "spec": .object(spec), "status": .object(status),
        ]
    }

    private func replicaSetObject(_ workload: SynthCluster.Workload, hash: String, replicas: Int, revision: Int) -> JSONValue {
        let labels = ["app": workload.name, "team": workload.team, "pod-template-hash": hash]
        return [
            "apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": meta("\(workload.name)-\(hash)", workload.namespace, labels, created: workload.created,
                             owner: ("Deployment", workload.name, "apps/v1"),
                             annotations: ["deployment.kubernetes.io/desired-replicas": String(workload.replicas),
                                           "deployment.kubernetes.io/max-replicas": String(workload.replicas + 1),
                                           "deployment.kubernetes.io/revision": String(revision)]),
            "spec": ["replicas": .int(Int64(replicas)), "selector": ["matchLabels": ["app": .string(workload.name), "pod-template-hash": .string(hash)]],
                     "template": ["metadata": ["creationTimestamp": nil, "labels": .sortedMap(labels)], "spec": .object(podSpec(workload))]],
            "status": ["observedGeneration": 1, "replicas": .int(Int64(replicas)), "readyReplicas": .int(Int64(replicas)),
                       "availableReplicas": .int(Int64(replicas)), "fullyLabeledReplicas": .int(Int64(replicas))],
        ]
    }

    private func jobObject(_ pod: SynthCluster.Pod) -> JSONValue {
        let workload = cluster.workloads[pod.workload]
        let finished = pod.created.addingTimeInterval(95)
        return [
            "apiVersion": "batch/v1", "kind": "Job",
            "metadata": meta(pod.ownerName, workload.namespace, ["app": workload.name, "team": workload.team], created: pod.created,
                             owner: ("CronJob", workload.name, "batch/v1")),
            "spec": ["backoffLimit": 2, "completions": 1, "parallelism": 1,
                     "template": ["metadata": ["labels": ["app": .string(workload.name)]], "spec": .object(podSpec(workload))]],
            "status": ["succeeded": 1, "startTime": .string(RFC3339.string(pod.created)), "completionTime": .string(RFC3339.string(finished)),
                       "conditions": [["type": "Complete", "status": "True", "lastProbeTime": .string(RFC3339.string(finished)),
                                       "lastTransitionTime": .string(RFC3339.string(finished))]]],
        ]
    }

    private func podObject(_ pod: SynthCluster.Pod) -> JSONValue {
        let workload = cluster.workloads[pod.workload]
        let node = cluster.nodes[pod.node]
        var labels = ["app": workload.name, "team": workload.team]
        if workload.kind == "Deployment" { labels["pod-template-hash"] = workload.templateHash }
        if workload.kind == "StatefulSet" { labels["statefulset.kubernetes.io/pod-name"] = pod.name }
        let apiVersion = pod.ownerKind == "Job" ? "batch/v1" : "apps/v1"
        var spec = podSpec(workload)
        let token = "kube-api-access-\(pod.name.suffix(5))"
        var volumes: [JSONValue] = [[
            "name": .string(token),
            "projected": ["defaultMode": 420, "sources": [
                ["serviceAccountToken": ["expirationSeconds": 3607, "path": "token"]],
                ["configMap": ["items": [["key": "ca.crt", "path": "ca.crt"]], "name": "kube-root-ca.crt"]],
                ["downwardAPI": ["items": [["fieldRef": ["apiVersion": "v1", "fieldPath": "metadata.namespace"], "path": "namespace"]]]],
            ]],
        ]]
        if let claim = pod.claim { volumes.append(["name": "data", "persistentVolumeClaim": ["claimName": .string(claim)]]) }
        spec += [.init("nodeName", .string(node.name)), .init("volumes", .array(volumes)), .init("enableServiceLinks", true),
                 .init("preemptionPolicy", "PreemptLowerPriority"), .init("priority", 0)]
        let started = RFC3339.string(pod.created.addingTimeInterval(4))
        let phase = pod.succeeded ? "Succeeded" : "Running"
        let statuses: [JSONValue] = workload.containers.map { container in
            [
                "name": .string(container.name), "image": .string(container.image), "imageID": .string("\(container.image.split(separator: ":")[0])@sha256:\(StableHash.fnv1a64(container.image))"),
                "containerID": .string("containerd://\(StableHash.fnv1a64(pod.uid + container.name))"),
                "ready": .bool(!pod.succeeded), "restartCount": 0, "started": .bool(!pod.succeeded),
                "lastState": [:],
                "state": pod.succeeded
                    ? ["terminated": ["exitCode": 0, "reason": "Completed", "startedAt": .string(started), "finishedAt": .string(RFC3339.string(pod.created.addingTimeInterval(90)))]]
                    : ["running": ["startedAt": .string(started)]],
            ]
        }
        let conditions: [JSONValue] = ["PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled"].map { type in
            ["type": .string(type), "status": .string(pod.succeeded && (type == "Ready" || type == "ContainersReady") ? "False" : "True"),
             "lastProbeTime": nil, "lastTransitionTime": .string(started)]
        }
        let guaranteed = workload.containers.allSatisfy { $0.memoryLimitBytes == $0.memoryBytes && $0.cpuLimitMillicores == $0.cpuMillicores }
        return [
            "apiVersion": "v1", "kind": "Pod",
            "metadata": meta(pod.name, workload.namespace, labels, created: pod.created, uid: pod.uid, owner: (pod.ownerKind, pod.ownerName, apiVersion),
                             extra: pod.ownerKind == "ReplicaSet" || pod.ownerKind == "DaemonSet" ? [.init("generateName", .string(String(pod.name.dropLast(5))))] : []),
            "spec": .object(spec),
            "status": [
                "phase": .string(phase), "conditions": .array(conditions), "containerStatuses": .array(statuses),
                "hostIP": .string(node.ip), "hostIPs": [["ip": .string(node.ip)]], "podIP": .string(pod.ip), "podIPs": [["ip": .string(pod.ip)]],
                "qosClass": .string(guaranteed ? "Guaranteed" : "Burstable"), "startTime": .string(RFC3339.string(pod.created)),
            ],
        ]
    }

    private func hpaObject(_ workload: SynthCluster.Workload, _ hpa: SynthCluster.HPA) -> JSONValue {
        let usage = workload.containers.reduce(0.0) { $0 + $1.cpuLevel } * Double(hpa.currentUtilization) / 100 * 1000
        return [
            "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
            "metadata": meta(workload.name, workload.namespace, [:], created: workload.created),
            "spec": ["maxReplicas": .int(Int64(hpa.maxReplicas)), "minReplicas": .int(Int64(hpa.minReplicas)),
                     "metrics": [["resource": ["name": "cpu", "target": ["averageUtilization": 70, "type": "Utilization"]], "type": "Resource"]],
                     "scaleTargetRef": ["apiVersion": "apps/v1", "kind": "Deployment", "name": .string(workload.name)]],
            "status": [
                "conditions": [
                    ["type": "AbleToScale", "status": "True", "reason": "ReadyForNewScale", "message": "recommended size matches current size",
                     "lastTransitionTime": .string(RFC3339.string(workload.created))],
                    ["type": "ScalingActive", "status": "True", "reason": "ValidMetricFound",
                     "message": "the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)",
                     "lastTransitionTime": .string(RFC3339.string(workload.created))],
                    ["type": "ScalingLimited", "status": "False", "reason": "DesiredWithinRange", "message": "the desired count is within the acceptable range",
                     "lastTransitionTime": .string(RFC3339.string(workload.created))],
                ],
                "currentMetrics": [["resource": ["current": ["averageUtilization": .int(Int64(hpa.currentUtilization)), "averageValue": .string("\(Int(usage))m")],
                                                 "name": "cpu"], "type": "Resource"]],
                "currentReplicas": .int(Int64(workload.replicas)), "desiredReplicas": .int(Int64(workload.replicas)),
            ],
        ]
    }

    private func pdbObject(_ workload: SynthCluster.Workload) -> JSONValue {
        [
            "apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
            "metadata": meta(workload.name, workload.namespace, ["app": workload.name], created: workload.created),
            "spec": ["maxUnavailable": 1, "selector": ["matchLabels": ["app": .string(workload.name)]]],
            "status": ["currentHealthy": .int(Int64(workload.replicas)), "desiredHealthy": .int(Int64(workload.replicas - 1)),
                       "disruptionsAllowed": 1, "expectedPods": .int(Int64(workload.replicas)), "observedGeneration": 1],
        ]
    }

    private func serviceObject(_ workload: SynthCluster.Workload) -> JSONValue {
        let hash = StableHash.fnv1a64(workload.namespace + workload.name)
        let ip = "172.20.\(Int(hash.prefix(2), radix: 16)!).\(Int(hash.suffix(2), radix: 16)!)"
        return [
            "apiVersion": "v1", "kind": "Service",
            "metadata": meta(workload.name, workload.namespace, ["app": workload.name], created: workload.created),
            "spec": ["clusterIP": .string(ip), "clusterIPs": [.string(ip)], "internalTrafficPolicy": "Cluster", "ipFamilies": ["IPv4"],
                     "ipFamilyPolicy": "SingleStack", "ports": [["name": "http", "port": 80, "protocol": "TCP", "targetPort": "http"]],
                     "selector": ["app": .string(workload.name)], "sessionAffinity": "None", "type": "ClusterIP"],
            "status": ["loadBalancer": [:]],
        ]
    }

    private func volumeObject(_ volume: SynthCluster.Volume) -> JSONValue {
        var spec: [JSONValue.Member] = [
            .init("accessModes", ["ReadWriteOnce"]), .init("capacity", ["storage": .string("\(volume.sizeGiB)Gi")]),
            .init("csi", ["driver": "ebs.csi.aws.com", "fsType": "ext4", "volumeHandle": .string(volume.volumeID),
                          "volumeAttributes": ["storage.kubernetes.io/csiProvisionerIdentity": "1729487452233-9425-ebs.csi.aws.com"]]),
            .init("nodeAffinity", ["required": ["nodeSelectorTerms": [["matchExpressions": [
                ["key": "topology.ebs.csi.aws.com/zone", "operator": "In", "values": [.string(volume.zone)]]]]]]]),
            .init("persistentVolumeReclaimPolicy", volume.phase == "Released" ? "Retain" : "Delete"), .init("storageClassName", "gp3"),
            .init("volumeMode", "Filesystem"),
        ]
        if let namespace = volume.claimNamespace, let claim = volume.claimName {
            spec.append(.init("claimRef", ["apiVersion": "v1", "kind": "PersistentVolumeClaim", "name": .string(claim),
                                           "namespace": .string(namespace), "uid": .string(volume.uid)]))
        }
        return [
            "apiVersion": "v1", "kind": "PersistentVolume",
            "metadata": meta(volume.name, nil, [:], created: volume.created,
                             annotations: ["pv.kubernetes.io/provisioned-by": "ebs.csi.aws.com", "volume.kubernetes.io/provisioner-deletion-secret-name": "",
                                           "volume.kubernetes.io/provisioner-deletion-secret-namespace": ""],
                             extra: [.init("finalizers", ["external-provisioner.volume.kubernetes.io/finalizer", "kubernetes.io/pv-protection"])]),
            "spec": .object(spec),
            "status": ["phase": .string(volume.phase), "lastPhaseTransitionTime": .string(RFC3339.string(volume.created.addingTimeInterval(60)))],
        ]
    }

    private func claimObject(_ volume: SynthCluster.Volume) -> JSONValue {
        [
            "apiVersion": "v1", "kind": "PersistentVolumeClaim",
            "metadata": meta(volume.claimName!, volume.claimNamespace, [:], created: volume.created, uid: volume.uid,
                             annotations: ["pv.kubernetes.io/bind-completed": "yes", "pv.kubernetes.io/bound-by-controller": "yes",
                                           "volume.kubernetes.io/storage-provisioner": "ebs.csi.aws.com"],
                             extra: [.init("finalizers", ["kubernetes.io/pvc-protection"])]),
            "spec": ["accessModes": ["ReadWriteOnce"], "resources": ["requests": ["storage": .string("\(volume.sizeGiB)Gi")]],
                     "storageClassName": "gp3", "volumeMode": "Filesystem", "volumeName": .string(volume.name)],
            "status": ["accessModes": ["ReadWriteOnce"], "capacity": ["storage": .string("\(volume.sizeGiB)Gi")], "phase": "Bound"],
        ]
    }

    private func eventObject(_ pod: SynthCluster.Pod, _ index: Int) -> JSONValue {
        let workload = cluster.workloads[pod.workload]
        let node = cluster.nodes[pod.node]
        let at = RFC3339.string(cluster.spec.now.addingTimeInterval(-Double(index % 3_600)))
        return [
            "apiVersion": "v1", "kind": "Event", "count": 1, "eventTime": nil, "firstTimestamp": .string(at), "lastTimestamp": .string(at),
            "involvedObject": ["apiVersion": "v1", "kind": "Pod", "name": .string(pod.name), "namespace": .string(workload.namespace),
                               "uid": .string(pod.uid)],
            "message": .string("Successfully assigned \(workload.namespace)/\(pod.name) to \(node.name)"),
            "metadata": meta("\(pod.name).\(StableHash.fnv1a64(pod.uid))", workload.namespace, [:], created: cluster.spec.now.addingTimeInterval(-Double(index % 3_600))),
            "reason": "Scheduled", "reportingComponent": "default-scheduler", "source": ["component": "default-scheduler"], "type": "Normal",
        ]
    }

    // MARK: Quantities

    static func cpu(_ millicores: Int64) -> String { millicores % 1000 == 0 ? String(millicores / 1000) : "\(millicores)m" }

    static func memory(_ bytes: Int64) -> String {
        if bytes % (1 << 30) == 0 { return "\(bytes >> 30)Gi" }
        if bytes % (1 << 20) == 0 { return "\(bytes >> 20)Mi" }
        return String(bytes)
    }
}
