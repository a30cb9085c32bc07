"""Server-rendered pages for complaints, by concept: the list, queue and
overview (lists), filing one (filing), the task sheet (sheet) and its actions
(actions), the case-study library (case_studies) and HR's findings queue
(findings). complaints.selectors decides what a user sees and may do, the
API's input serializers validate, and the same services write."""
