"""The Salesforce objects and fields asymbl-sf reads and writes, named once.

Asymbl ATS (managed package, namespace ``bpats__``) keeps a job's pipeline as stage records of
that job, and an application as an applicant record whose lookup to the candidate's Contact is,
confusingly, named like the object itself (``bpats__ATS_Applicant__c``). Every module that
queries or writes these objects takes their names from here; the mapping decides which fields
carry payload values, but these are the fields the tool itself relies on.
"""

from __future__ import annotations

#: The managed package's namespace prefix.
NAMESPACE = "bpats__"

CONTACT = "Contact"
JOB = "bpats__Job__c"
STAGE = "bpats__ATS_Stage__c"
APPLICANT = "bpats__ATS_Applicant__c"
CONTENT_VERSION = "ContentVersion"
CONTENT_DOCUMENT_LINK = "ContentDocumentLink"
TASK = "Task"
USER = "User"

# -- fields of the applicant ---------------------------------------------------------------------
#: The applicant's lookup to the candidate's Contact.
APPLICANT_CONTACT = "bpats__ATS_Applicant__c"
APPLICANT_JOB = "bpats__Job__c"
APPLICANT_STAGE = "bpats__Stage__c"
APPLICANT_STATUS = "bpats__Applicant_Status__c"
APPLICANT_STAGE_DATE = "bpats__Current_Stage_Date__c"

# -- fields of a stage ---------------------------------------------------------------------------
STAGE_JOB = "bpats__Job__c"
STAGE_SEQUENCE = "bpats__Sequence__c"
STAGE_TYPE = "bpats__Stage_Type__c"

#: What every lookup of stages reads, in the job's order.
STAGE_FIELDS = ["Id", "Name", STAGE_SEQUENCE, STAGE_TYPE, STAGE_JOB]
#: A job's stages in pipeline order (Salesforce sorts nulls first unless told otherwise).
STAGE_ORDER = f"{STAGE_SEQUENCE} ASC NULLS LAST, Name"
