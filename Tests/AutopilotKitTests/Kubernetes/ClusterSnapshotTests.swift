import XCTest
@testable import AutopilotKit

final class ClusterSnapshotTests: XCTestCase {
    /// Builds a snapshot from objects written as JSON text, and returns its records by kind.
    private func records(_ objects: [String], teams: TeamResolver = TeamResolver()) throws -> [String: [JSONValue]] {
        let snapshot = ClusterSnapshot(cluster: "test", teams: teams)
        let diagnostics = Diagnostics(tool: "test")
        for (index, text) in objects.enumerated() {
            try snapshot.add(KubeItem(object: try JSON.parse(text), source: "t", line: index + 1, listKind: nil), diagnostics: diagnostics)
        }
        XCTAssertEqual(diagnostics.errorCount, 0)
        var result: [String: [JSONValue]] = [:]
        try snapshot.forEachRecord { record in
            guard case .string(let kind)? = record["kind"] else { return XCTFail("record without kind") }
            result[kind, default: []].append(record)
        }
        return result
    }

    private func pod(_ name: String, namespace: String = "shop", owner: (String, String, String)?, labels: String = "{}",
                     claims: [String] = [], node: String = "n1") -> String {
        let ownerText = owner.map { #","ownerReferences":[{"apiVersion":"apps/v1","kind":"\#($0.0)","name":"\#($0.1)","uid":"\#($0.2)","controller":true}]"# } ?? ""
        let volumes = claims.map { #"{"name":"v-\#($0)","persistentVolumeClaim":{"claimName":"\#($0)"}}"# }.joined(separator: ",")
        return #"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"\#(name)","namespace":"\#(namespace)","uid":"p-\#(name)","labels":\#(labels)\#(ownerText)},"spec":{"nodeName":"\#(node)","volumes":[\#(volumes)],"containers":[{"name":"app","resources":{"requests":{"cpu":"100m","memory":"128Mi"}}}]},"status":{"phase":"Running"}}"#
    }

    func testPodsResolveToTheirTopWorkload() throws {
        let objects = [
            #"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"api","namespace":"shop","uid":"d1","labels":{"team":"payments"}},"spec":{"replicas":2,"template":{"metadata":{"labels":{"app":"api"}},"spec":{"containers":[{"name":"app","resources":{"requests":{"cpu":"1","memory":"1Gi"}}}]}}},"status":{"readyReplicas":2}}"#,
            #"{"apiVersion":"apps/v1","kind":"ReplicaSet","metadata":{"name":"api-5f7c","namespace":"shop","uid":"rs1","ownerReferences":[{"kind":"Deployment","name":"api","uid":"d1","controller":true}]},"spec":{"replicas":2,"template":{"spec":{"containers":[]}}}}"#,
            pod("api-5f7c-aaaaa", owner: ("ReplicaSet", "api-5f7c", "rs1")),
            pod("api-5f7c-bbbbb", owner: ("ReplicaSet", "api-5f7c", "rs1")),
            #"{"apiVersion":"batch/v1","kind":"CronJob","metadata":{"name":"report","namespace":"shop","uid":"cj1"},"spec":{"schedule":"0 2 * * *","jobTemplate":{"spec":{"template":{"spec":{"containers":[{"name":"app"}]}}}}}}"#,
            #"{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"report-2938","namespace":"shop","uid":"j1","ownerReferences":[{"kind":"CronJob","name":"report","uid":"cj1","controller":true}]},"spec":{"template":{"spec":{"containers":[]}}}}"#,
            pod("report-2938-xyz", owner: ("Job", "report-2938", "j1")),
            // The ReplicaSet was not captured: the pod-template-hash names the Deployment.
            pod("web-6b8d9-ccccc", owner: ("ReplicaSet", "web-6b8d9", "rs2"), labels: #"{"pod-template-hash":"6b8d9","app":"web"}"#),
            // A controller Autopilot does not read (an Argo Rollout) becomes a workload from its pods.
            pod("canary-1", owner: ("Rollout", "canary", "ro1")),
            pod("static-n1", owner: ("Node", "n1", "n1")),
            pod("bare", owner: nil),
        ]
        let records = try records(objects)
        let owners = Dictionary(uniqueKeysWithValues: (records["pod"] ?? []).map { ($0["name"]!.text, $0["owner"]!.text) })
        XCTAssertEqual(owners[#""api-5f7c-aaaaa""#], #"{"kind":"Deployment","name":"api"}"#)
        XCTAssertEqual(owners[#""report-2938-xyz""#], #"{"kind":"CronJob","name":"report"}"#)
        XCTAssertEqual(owners[#""web-6b8d9-ccccc""#], #"{"kind":"Deployment","name":"web"}"#)
        XCTAssertEqual(owners[#""canary-1""#], #"{"kind":"Rollout","name":"canary"}"#)
        XCTAssertEqual(owners[#""static-n1""#], #"{"kind":"Pod","name":"static-n1"}"#)
        XCTAssertEqual(owners[#""bare""#], #"{"kind":"Pod","name":"bare"}"#)

        let workloads = (records["workload"] ?? []).map { "\($0["workloadKind"]!.text) \($0["name"]!.text) \($0["pods"]!.text)" }
        XCTAssertEqual(workloads.sorted(), [#""CronJob" "report" 1"#, #""Deployment" "api" 2"#, #""Deployment" "web" 1"#, #""Rollout" "canary" 1"#])
        let api = records["workload"]!.first { $0["name"] == "api" }!
        XCTAssertEqual(api["containers"]!.text, #"[{"name":"app","image":null,"requests":{"cpu":1.0,"memory":1073741824},"limits":{"cpu":null,"memory":null},"sidecar":false}]"#)
        XCTAssertEqual(api["replicas"]!.text, #"{"desired":2,"ready":2}"#)
        XCTAssertEqual(api["team"], "payments")
        // The pod inherits its workload's team.
        XCTAssertEqual(records["pod"]!.first { $0["name"] == "api-5f7c-aaaaa" }!["team"], "payments")
        let cron = records["workload"]!.first { $0["name"] == "report" }!
        XCTAssertEqual(cron["schedule"], "0 2 * * *")
        XCTAssertEqual(cron["containers"]!.text, #"[{"name":"app","image":null,"requests":{"cpu":null,"memory":null},"limits":{"cpu":null,"memory":null},"sidecar":false}]"#)
    }

    func testTeamComesFromLabelKeysInOrderThenTheNamespace() throws {
        func deployment(_ name: String, _ labels: String, template: String = "{}") -> String {
            #"{"kind":"Deployment","metadata":{"name":"\#(name)","namespace":"data","labels":\#(labels)},"spec":{"template":{"metadata":{"labels":\#(template)},"spec":{"containers":[]}}}}"#
        }
        let objects = [
            #"{"kind":"Namespace","metadata":{"name":"data","labels":{"team":"data-eng"}}}"#,
            deployment("a", #"{"owner":"alice","team":"ml"}"#),
            deployment("b", #"{"owner":"alice","app.kubernetes.io/part-of":"lake"}"#),
            deployment("c", #"{"app.kubernetes.io/part-of":"lake"}"#),
            deployment("d", "{}", template: #"{"team":"from-template"}"#),
            deployment("e", "{}"),
        ]
        let teams = Dictionary(uniqueKeysWithValues: try records(objects)["workload"]!.map { ($0["name"]!.text, $0["team"]!.text) })
        XCTAssertEqual(teams, [#""a""#: #""ml""#, #""b""#: #""alice""#, #""c""#: #""lake""#, #""d""#: #""from-template""#, #""e""#: #""data-eng""#])

        let custom = try records(objects, teams: TeamResolver(keys: ["app.kubernetes.io/part-of"]))
        // Only the configured key counts, on the namespace too.
        XCTAssertEqual(custom["workload"]!.first { $0["name"] == "a" }!["team"], "unassigned")
        XCTAssertEqual(custom["workload"]!.first { $0["name"] == "c" }!["team"], "lake")
    }

    func testNodeIsNormalized() throws {
        let karpenter = #"{"kind":"Node","metadata":{"name":"ip-10-0-1-1.ec2.internal","creationTimestamp":"2026-11-01T00:00:00Z","labels":{"node.kubernetes.io/instance-type":"m6i.large","topology.kubernetes.io/region":"us-east-1","topology.kubernetes.io/zone":"us-east-1a","karpenter.sh/capacity-type":"spot","karpenter.sh/nodepool":"default"}},"spec":{"providerID":"aws:///us-east-1a/i-0abc123","taints":[{"key":"dedicated","value":"x","effect":"NoSchedule"}]},"status":{"allocatable":{"cpu":"1930m","memory":"7220184Ki","pods":"29"},"capacity":{"cpu":"2","memory":"7934488Ki"},"conditions":[{"type":"Ready","status":"True"}]}}"#
        let managed = #"{"kind":"Node","metadata":{"name":"n2","labels":{"eks.amazonaws.com/capacityType":"ON_DEMAND","eks.amazonaws.com/nodegroup":"general"}},"spec":{"unschedulable":true},"status":{"allocatable":{"cpu":"3920m","memory":"14Gi"},"conditions":[{"type":"Ready","status":"Unknown"}]}}"#
        let nodes = try records([karpenter, managed])["node"]!
        XCTAssertEqual(nodes[0].text, #"{"kind":"node","cluster":"test","name":"ip-10-0-1-1.ec2.internal","instanceType":"m6i.large","region":"us-east-1","zone":"us-east-1a","capacityType":"spot","nodepool":"default","nodegroup":null,"instanceId":"i-0abc123","internalIP":null,"allocatable":{"cpu":1.93,"memory":7393468416,"pods":29},"capacity":{"cpu":2.0,"memory":8124915712},"labels":{"karpenter.sh/capacity-type":"spot","karpenter.sh/nodepool":"default","node.kubernetes.io/instance-type":"m6i.large","topology.kubernetes.io/region":"us-east-1","topology.kubernetes.io/zone":"us-east-1a"},"taints":[{"key":"dedicated","value":"x","effect":"NoSchedule"}],"ready":true,"unschedulable":false,"readyCondition":{"status":"True","reason":null,"since":null},"pressures":[],"createdAt":"2026-11-01T00:00:00Z","deletingSince":null,"finalizers":[]}"#)
        XCTAssertEqual(nodes[1]["capacityType"], "on-demand")
        XCTAssertEqual(nodes[1]["nodegroup"], "general")
        XCTAssertEqual(nodes[1]["ready"], false)
        XCTAssertEqual(nodes[1]["unschedulable"], true)
    }

    func testVolumesJoinClaimsStorageClassesAndMountingPods() throws {
        let objects = [
            #"{"kind":"StorageClass","metadata":{"name":"gp3"},"provisioner":"ebs.csi.aws.com","parameters":{"type":"gp3","iops":"4000","throughput":"250"}}"#,
            #"{"kind":"StorageClass","metadata":{"name":"fast"},"provisioner":"ebs.csi.aws.com"}"#,
            #"{"kind":"PersistentVolume","metadata":{"name":"pv-data"},"spec":{"capacity":{"storage":"100Gi"},"storageClassName":"gp3","persistentVolumeReclaimPolicy":"Delete","claimRef":{"namespace":"shop","name":"data-db-0"},"csi":{"driver":"ebs.csi.aws.com","volumeHandle":"vol-0123"},"nodeAffinity":{"required":{"nodeSelectorTerms":[{"matchExpressions":[{"key":"topology.ebs.csi.aws.com/zone","operator":"In","values":["us-east-1b"]}]}]}}},"status":{"phase":"Bound"}}"#,
            #"{"kind":"PersistentVolume","metadata":{"name":"pv-old"},"spec":{"capacity":{"storage":"500Gi"},"storageClassName":"gp2","claimRef":{"namespace":"shop","name":"old"},"awsElasticBlockStore":{"volumeID":"aws://us-east-1c/vol-0old"}},"status":{"phase":"Released"}}"#,
            #"{"kind":"PersistentVolume","metadata":{"name":"pv-free"},"spec":{"capacity":{"storage":"1Ti"},"storageClassName":"fast","csi":{"driver":"ebs.csi.aws.com","volumeHandle":"vol-0free"}},"status":{"phase":"Available"}}"#,
            #"{"kind":"PersistentVolumeClaim","metadata":{"name":"data-db-0","namespace":"shop","labels":{"team":"storage"}},"spec":{"volumeName":"pv-data"}}"#,
            pod("db-0", owner: ("StatefulSet", "db", "s1"), claims: ["data-db-0"]),
            pod("stale", owner: nil, claims: ["old"]),
        ]
        let volumes = Dictionary(uniqueKeysWithValues: try records(objects)["volume"]!.map { ($0["name"]!.text, $0) })
        let data = volumes[#""pv-data""#]!
        XCTAssertEqual(data["volumeType"], "gp3")
        XCTAssertEqual(data["iops"], 4000)
        XCTAssertEqual(data["throughput"], 250)
        XCTAssertEqual(data["sizeBytes"], 107_374_182_400)
        XCTAssertEqual(data["zone"], "us-east-1b")
        XCTAssertEqual(data["volumeHandle"], "vol-0123")
        XCTAssertEqual(data["mountedBy"], ["db-0"])
        XCTAssertEqual(data["claim"]!.text, #"{"namespace":"shop","name":"data-db-0","deletingSince":null,"finalizers":[]}"#)
        let old = volumes[#""pv-old""#]!
        XCTAssertEqual(old["volumeType"], "gp2")  // no StorageClass captured: its name is an EBS type
        XCTAssertEqual(old["zone"], "us-east-1c")
        XCTAssertEqual(old["volumeHandle"], "vol-0old")
        XCTAssertEqual(old["mountedBy"], [])  // Released: a pod naming the old claim is not using it
        let free = volumes[#""pv-free""#]!
        XCTAssertEqual(free["volumeType"], "gp3")  // the EBS CSI driver's default type
        XCTAssertEqual(free["claim"], .null)
    }

    func testBadQuantitySkipsTheObjectAndSaysWhere() throws {
        let snapshot = ClusterSnapshot(cluster: "test")
        var messages: [String] = []
        let diagnostics = Diagnostics(tool: "test") { messages.append($0) }
        let bad = #"{"kind":"Pod","metadata":{"name":"p","namespace":"x"},"spec":{"containers":[{"name":"a","resources":{"limits":{"memory":"lots"}}}]}}"#
        try snapshot.add(KubeItem(object: try JSON.parse(bad), source: "pods.json", line: 7, listKind: nil), diagnostics: diagnostics)
        XCTAssertEqual(diagnostics.errorCount, 1)
        XCTAssertEqual(messages, [#"test: pods.json:7: error: Pod x/p: invalid quantity "lots" in spec.containers[0].resources.limits.memory: expected a number with an optional suffix (m, k, M, G, Ki, Mi, Gi, e3 …); this object is skipped"# + "\n"])
        var records = 0
        try snapshot.forEachRecord { _ in records += 1 }
        XCTAssertEqual(records, 0, "the pod is skipped")
    }

    func testPlainRecordsKeepAPIDefaults() throws {
        let objects = [
            #"{"apiVersion":"autoscaling/v1","kind":"HorizontalPodAutoscaler","metadata":{"name":"h","namespace":"shop"},"spec":{"scaleTargetRef":{"kind":"Deployment","name":"api"},"maxReplicas":5,"targetCPUUtilizationPercentage":60},"status":{"currentReplicas":2}}"#,
            #"{"apiVersion":"keda.sh/v1alpha1","kind":"ScaledObject","metadata":{"name":"q","namespace":"shop"},"spec":{"scaleTargetRef":{"name":"worker"},"triggers":[{"type":"aws-sqs-queue","metadata":{"queueLength":"5"}}]}}"#,
            #"{"apiVersion":"karpenter.sh/v1","kind":"NodePool","metadata":{"name":"default"},"spec":{"limits":{"cpu":"1000","memory":"1000Gi"},"template":{"spec":{"requirements":[]}}}}"#,
        ]
        let records = try records(objects)
        let hpa = records["hpa"]![0]
        XCTAssertEqual(hpa["minReplicas"], 1)
        XCTAssertEqual(hpa["metrics"]!.text, #"[{"type":"Resource","resource":{"name":"cpu","target":{"type":"Utilization","averageUtilization":60}}}]"#)
        let scaled = records["scaledobject"]![0]
        XCTAssertEqual(scaled["minReplicaCount"], 0)
        XCTAssertEqual(scaled["cooldownPeriod"], 300)
        XCTAssertEqual(scaled["target"]!["kind"], "Deployment")
        let pool = records["nodepool"]![0]
        XCTAssertEqual(pool["consolidationPolicy"], "WhenEmptyOrUnderutilized")
        XCTAssertEqual(pool["limits"]!.text, #"{"cpu":1000.0,"memory":1073741824000}"#)
    }

    func testEvictedAndUnschedulablePodsKeepWhenTheyCameToIt() throws {
        // Shapes as the API serves them: a kubelet eviction (1.26+ adds DisruptionTarget), an older one
        // with only Ready turning False, and a pod the scheduler could not place.
        let evicted = #"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"thumb-1","namespace":"media"},"spec":{"nodeName":"n2","containers":[{"name":"t"}]},"status":{"phase":"Failed","reason":"Evicted","message":"The node was low on resource: memory. ","conditions":[{"type":"DisruptionTarget","status":"True","reason":"TerminationByKubelet","lastTransitionTime":"2026-11-20T11:18:53Z"},{"type":"Ready","status":"False","reason":"PodFailed","lastTransitionTime":"2026-11-20T11:18:56Z"}]}}"#
        let older = #"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"thumb-2","namespace":"media"},"spec":{"nodeName":"n2","containers":[{"name":"t"}]},"status":{"phase":"Failed","reason":"Evicted","conditions":[{"type":"Ready","status":"False","lastTransitionTime":"2026-11-20T11:19:10Z"},{"type":"PodScheduled","status":"True","lastTransitionTime":"2026-11-13T19:45:40Z"}]}}"#
        let pending = #"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"big-0","namespace":"ml"},"spec":{"containers":[{"name":"b"}]},"status":{"phase":"Pending","conditions":[{"type":"PodScheduled","status":"False","reason":"Unschedulable","message":"0/3 nodes are available: 3 Insufficient cpu.","lastTransitionTime":"2026-11-20T09:00:00Z"}]}}"#
        let pods = try records([evicted, older, pending])["pod"]!
        XCTAssertEqual(pods.map { $0["reasonSince"] }, ["2026-11-20T11:18:53Z", "2026-11-20T11:19:10Z", "2026-11-20T09:00:00Z"])
        XCTAssertEqual(pods.map { $0["reason"] }, ["Evicted", "Evicted", "Unschedulable"])
    }

    func testPodServicePDBAndEventRecords() throws {
        let objects = [
            #"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"api-0","namespace":"shop","labels":{"app":"api"},"annotations":{"karpenter.sh/do-not-disrupt":"true","kubectl.kubernetes.io/last-applied-configuration":"{}"},"creationTimestamp":"2026-11-01T00:00:00Z"},"spec":{"nodeName":"n1","priorityClassName":"high","nodeSelector":{"karpenter.sh/capacity-type":"on-demand"},"tolerations":[{"key":"dedicated","operator":"Equal","value":"memory","effect":"NoSchedule"}],"affinity":{"nodeAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":{"nodeSelectorTerms":[{"matchExpressions":[{"key":"topology.kubernetes.io/zone","operator":"In","values":["us-east-1a"]}]}]}}},"initContainers":[{"name":"migrate","resources":{"requests":{"cpu":"500m","memory":"256Mi"}}}],"containers":[{"name":"api","resources":{"requests":{"cpu":"1","memory":"1Gi"},"limits":{"memory":"1Gi"}}},{"name":"proxy"}]},"status":{"phase":"Running","qosClass":"Burstable","startTime":"2026-11-01T00:00:05Z","containerStatuses":[{"name":"api","restartCount":4,"lastState":{"terminated":{"reason":"OOMKilled","exitCode":137,"finishedAt":"2026-11-19T08:00:00Z"}},"state":{"waiting":{"reason":"CrashLoopBackOff"}}},{"name":"proxy","restartCount":0,"state":{"running":{}}}]}}"#,
            #"{"apiVersion":"v1","kind":"Service","metadata":{"name":"web","namespace":"shop"},"spec":{"type":"LoadBalancer","selector":{"app":"web"},"clusterIP":"172.20.1.2","ports":[{"port":443,"targetPort":8443,"protocol":"TCP"}]},"status":{"loadBalancer":{"ingress":[{"hostname":"a1.elb.amazonaws.com"}]}}}"#,
            #"{"apiVersion":"policy/v1","kind":"PodDisruptionBudget","metadata":{"name":"db","namespace":"shop"},"spec":{"maxUnavailable":0,"selector":{"matchLabels":{"app":"db"}}},"status":{"currentHealthy":1,"desiredHealthy":1,"disruptionsAllowed":0,"expectedPods":1}}"#,
            #"{"apiVersion":"v1","kind":"Event","metadata":{"name":"api-0.17a","namespace":"shop"},"involvedObject":{"kind":"Pod","namespace":"shop","name":"api-0","fieldPath":"spec.containers{api}"},"reason":"BackOff","message":"Back-off restarting failed container api","type":"Warning","count":12,"firstTimestamp":"2026-11-19T08:00:00Z","lastTimestamp":"2026-11-20T11:00:00Z","source":{"component":"kubelet","host":"n1"}}"#,
        ]
        let records = try records(objects)
        XCTAssertEqual(records["pod"]![0].text, #"{"kind":"pod","cluster":"test","namespace":"shop","name":"api-0","node":"n1","phase":"Running","owner":{"kind":"Pod","name":"api-0"},"team":"unassigned","containers":[{"name":"api","image":null,"requests":{"cpu":1.0,"memory":1073741824},"limits":{"cpu":null,"memory":1073741824},"restarts":4,"lastTermination":{"reason":"OOMKilled","exitCode":137,"at":"2026-11-19T08:00:00Z"},"waiting":"CrashLoopBackOff","sidecar":false},{"name":"proxy","image":null,"requests":{"cpu":null,"memory":null},"limits":{"cpu":null,"memory":null},"restarts":0,"lastTermination":null,"waiting":null,"sidecar":false}],"initContainers":[{"name":"migrate","image":null,"requests":{"cpu":0.5,"memory":268435456},"limits":{"cpu":null,"memory":null},"restarts":0,"lastTermination":null,"waiting":null,"sidecar":false}],"labels":{"app":"api"},"annotations":{"karpenter.sh/do-not-disrupt":"true"},"nodeSelector":{"karpenter.sh/capacity-type":"on-demand"},"tolerations":[{"effect":"NoSchedule","key":"dedicated","operator":"Equal","value":"memory"}],"requiredNodeAffinity":{"nodeSelectorTerms":[{"matchExpressions":[{"key":"topology.kubernetes.io/zone","operator":"In","values":["us-east-1a"]}]}]},"claims":[],"qosClass":"Burstable","priorityClassName":"high","podRequests":null,"overhead":null,"createdAt":"2026-11-01T00:00:00Z","startedAt":"2026-11-01T00:00:05Z","deletingSince":null,"finalizers":[],"reason":null,"message":null,"reasonSince":null}"#)
        XCTAssertEqual(records["service"]![0].text, #"{"kind":"service","cluster":"test","namespace":"shop","name":"web","type":"LoadBalancer","selector":{"app":"web"},"ports":[{"port":443,"targetPort":8443,"protocol":"TCP"}],"clusterIP":"172.20.1.2","loadBalancer":["a1.elb.amazonaws.com"],"labels":{},"createdAt":null}"#)
        XCTAssertEqual(records["pdb"]![0].text, #"{"kind":"pdb","cluster":"test","namespace":"shop","name":"db","selector":{"matchLabels":{"app":"db"}},"minAvailable":null,"maxUnavailable":0,"currentHealthy":1,"desiredHealthy":1,"disruptionsAllowed":0,"expectedPods":1,"createdAt":null}"#)
        XCTAssertEqual(records["event"]![0].text, #"{"kind":"event","cluster":"test","namespace":"shop","name":"api-0.17a","type":"Warning","reason":"BackOff","message":"Back-off restarting failed container api","involvedObject":{"kind":"Pod","namespace":"shop","name":"api-0","fieldPath":"spec.containers{api}"},"count":12,"firstTimestamp":"2026-11-19T08:00:00Z","lastTimestamp":"2026-11-20T11:00:00Z","source":"kubelet","host":"n1"}"#)
    }
}
